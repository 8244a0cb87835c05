import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore, type TestStore } from '../helpers/store.js';
import { seedEmployee, seedEmployer, seedEmployment } from '../helpers/absence.js';
import {
  correctCase,
  reportOtherEnd,
  reportPercentageChange,
  reportRecovery,
  reportSick,
} from '../../src/absence/cases.js';
import { fixedTermEndingsOfSick, recordEmploymentsEnded } from '../../src/absence/sync-events.js';
import { actOnTask, tasksOfCase } from '../../src/absence/tasks.js';
import { caseOfEmployee } from '../../src/absence/views.js';
import { inTransaction } from '../../src/store/db.js';
import { createEndedEmployments, endedEmploymentsTable } from '../../src/sync/hooks.js';
import type { Actor } from '../../src/absence/records.js';

const actor: Actor = { type: 'user', id: 'u-1' };
const today = '2026-11-28';

describe('Absence store rules', () => {
  let store: TestStore;
  let employerId: string;
  let departmentId: string;
  const ctx = () => ({ db: store.db, actor, today });

  beforeAll(async () => {
    store = await createTestStore();
    ({ employerId, departmentId } = await seedEmployer(store.db));
  });
  afterAll(async () => {
    await store.close();
  });

  it('When a second open case for the same employment is inserted directly, then the database refuses it', async () => {
    const e = await seedEmployee(store.db, { employerId, departmentId });
    await reportSick(ctx(), e.employeeId, { firstSickDay: '2026-11-20', percentage: 100 });
    await expect(
      store.db('absence_cases').insert({
        employer_id: employerId,
        employee_id: e.employeeId,
        employment_id: e.employmentId,
        first_sick_day: '2026-11-21',
        count_start: '2026-11-21',
        classification: 'illness',
      }),
    ).rejects.toMatchObject({ code: '23505' });
  });

  it('When two reports on one case arrive at the same moment, then one is written and the other is refused whole', async () => {
    const e = await seedEmployee(store.db, { employerId, departmentId });
    const { caseId } = await reportSick(ctx(), e.employeeId, { firstSickDay: '2026-11-16', percentage: 100 });
    const results = await Promise.allSettled([
      reportPercentageChange(ctx(), e.employeeId, caseId, { from: '2026-11-23', percentage: 50 }),
      reportRecovery(ctx(), e.employeeId, caseId, { lastSickDay: '2026-11-24' }),
    ]);
    const written = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r) => r.status === 'rejected');
    expect(written).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect((refused[0] as PromiseRejectedResult).reason).toMatchObject({
      code: 'conflict',
      message: expect.stringContaining('changed by another report'),
    });
    const reports = await store.db('case_reports').where({ absence_case_id: caseId });
    expect(reports.map((r: { kind: string }) => r.kind).sort()).toHaveLength(2);
    const outbox = await store.db('case_outbox').where({ case_id: caseId }).orderBy('sequence');
    expect(outbox.map((o: { sequence: number }) => o.sequence)).toEqual([1, 2]);
    const c = await caseOfEmployee(store.db, e.employeeId, caseId);
    const periods = c.timeline.length;
    expect(c.status === 'ended' ? periods === 1 : periods === 2).toBe(true);
  });

  it('When a report fails after writing, then no case, period, task or outbox row remains', async () => {
    const e = await seedEmployee(store.db, { employerId, departmentId });
    await expect(
      inTransaction(store.db, async (trx) => {
        await reportSick({ db: trx, actor, today }, e.employeeId, {
          firstSickDay: '2026-11-20',
          percentage: 100,
        });
        throw new Error('abort after the report');
      }),
    ).rejects.toThrow('abort after the report');
    expect(await store.db('absence_cases').where({ employee_id: e.employeeId })).toHaveLength(0);
    expect(await store.db('poortwachter_tasks').where({ employee_id: e.employeeId })).toHaveLength(0);
    const outbox = await store
      .db('case_outbox')
      .where({ message_kind: 'sick_report' })
      .count('* as n')
      .first();
    const cases = await store.db('absence_cases').count('* as n').first();
    expect(Number(outbox?.n)).toBe(Number(cases?.n));
  });

  it('When the first sick day is corrected, then the open tasks move with it and done tasks keep their date', async () => {
    const e = await seedEmployee(store.db, { employerId, departmentId });
    const { caseId } = await reportSick(ctx(), e.employeeId, { firstSickDay: '2026-11-16', percentage: 100 });
    const report = (await tasksOfCase(store.db, caseId, today)).find(
      (t) => t.kind === 'report_to_arbodienst',
    )!;
    await actOnTask(ctx(), e.employeeId, report.id, { action: 'done' });
    await correctCase(ctx(), e.employeeId, caseId, { firstSickDay: '2026-11-09', percentage: 50 });
    const c = await caseOfEmployee(store.db, e.employeeId, caseId);
    expect(c).toMatchObject({ firstSickDay: '2026-11-09', countStart: '2026-11-09', currentPercentage: 50 });
    const tasks = await tasksOfCase(store.db, caseId, today);
    expect(tasks.find((t) => t.kind === 'problem_analysis')?.dueDate).toBe('2026-12-20');
    expect(tasks.find((t) => t.kind === 'report_to_arbodienst')?.dueDate).toBe('2026-11-22');
    const outbox = await store
      .db('case_outbox')
      .where({ case_id: caseId })
      .orderBy('sequence')
      .pluck('message_kind');
    expect(outbox).toEqual(['sick_report', 'correction']);
  });

  it('When a case was reported just after midnight in Amsterdam, then the 30 days of a correction count from that Amsterdam day', async () => {
    const e = await seedEmployee(store.db, { employerId, departmentId });
    const { caseId } = await reportSick(ctx(), e.employeeId, { firstSickDay: '2026-11-18', percentage: 100 });
    // 00:30 on 20 November in Amsterdam is still 19 November in UTC.
    await store
      .db('case_reports')
      .where({ absence_case_id: caseId })
      .update({ reported_at: '2026-11-19T23:30:00Z' });
    const later = { db: store.db, actor, today: '2026-12-22' };
    await expect(correctCase(later, e.employeeId, caseId, { firstSickDay: '2026-10-20' })).rejects.toThrow(
      /first sick day 2026-10-20 is more than 30 days before the case was reported \(2026-11-20\)/,
    );
    await correctCase(later, e.employeeId, caseId, { firstSickDay: '2026-10-21' });
  });

  it('When a correction moves the first sick day to more than 30 days before the report, then it needs a late reason', async () => {
    const e = await seedEmployee(store.db, { employerId, departmentId });
    const { caseId } = await reportSick(ctx(), e.employeeId, { firstSickDay: '2026-11-20', percentage: 100 });
    // Reported on 20 November; corrected a month later.
    await store
      .db('case_reports')
      .where({ absence_case_id: caseId })
      .update({ reported_at: '2026-11-20T09:00:00Z' });
    const later = { db: store.db, actor, today: '2026-12-22' };
    await expect(correctCase(later, e.employeeId, caseId, { firstSickDay: '2026-10-15' })).rejects.toThrow(
      /first sick day 2026-10-15 is more than 30 days before the case was reported \(2026-11-20\); give a lateReason/,
    );
    // Within 30 days of the report it is a correction like any other, however long ago that was.
    await correctCase(later, e.employeeId, caseId, { firstSickDay: '2026-10-25' });
    await correctCase(later, e.employeeId, caseId, {
      firstSickDay: '2026-10-15',
      lateReason: 'the employee reported to the wrong manager',
    });
    const [row] = await store.db('absence_cases').where({ id: caseId });
    expect(row).toMatchObject({ late_reason: 'the employee reported to the wrong manager' });
    // A case that has its late reason needs none again.
    await correctCase(later, e.employeeId, caseId, { firstSickDay: '2026-10-01' });
  });

  it('When the sync ends the employment of a sick employee, then an event is recorded once and the case stays open', async () => {
    const e = await seedEmployee(store.db, { employerId, departmentId });
    const healthy = await seedEmployee(store.db, { employerId, departmentId });
    const { caseId } = await reportSick(ctx(), e.employeeId, { firstSickDay: '2026-11-20', percentage: 100 });
    // As the sync hands them over: a table of the run's transaction.
    const record = () =>
      inTransaction(store.db, async (trx) => {
        await createEndedEmployments(trx);
        await trx(endedEmploymentsTable).insert([
          { employment_id: e.employmentId, end_date: '2026-11-30' },
          { employment_id: healthy.employmentId, end_date: '2026-11-30' },
        ]);
        return recordEmploymentsEnded(trx, {
          table: endedEmploymentsTable,
          runId: 'run-1',
          date: '2026-11-28',
        });
      });
    expect(await record()).toBe(1);
    expect(await record()).toBe(0);
    const c = await caseOfEmployee(store.db, e.employeeId, caseId);
    expect(c.status).toBe('open');
    expect(c.events).toEqual([
      expect.objectContaining({ kind: 'employment_ended_while_sick', eventDate: '2026-11-30' }),
    ]);
    await reportOtherEnd(ctx(), e.employeeId, caseId, {
      lastSickDay: '2026-11-27',
      reason: 'out_of_service_while_sick',
    });
    expect((await caseOfEmployee(store.db, e.employeeId, caseId)).endReason).toBe(
      'out_of_service_while_sick',
    );
  });

  it('When a fixed-term employment of a sick employee ends within 6 weeks, then it is found and recorded once', async () => {
    const soon = await seedEmployee(store.db, {
      employerId,
      departmentId,
      contractType: 'B',
      endDate: '2027-01-08',
    });
    const later = await seedEmployee(store.db, {
      employerId,
      departmentId,
      contractType: 'B',
      endDate: '2027-01-10',
    });
    const permanent = await seedEmployee(store.db, {
      employerId,
      departmentId,
      contractType: 'O',
      endDate: '2026-12-31',
    });
    for (const e of [soon, later, permanent]) {
      await reportSick(ctx(), e.employeeId, { firstSickDay: '2026-11-25', percentage: 100 });
    }
    const found = await fixedTermEndingsOfSick(store.db, today, { employerId, record: true });
    expect(found.map((f) => f.employeeId)).toEqual([soon.employeeId]);
    await fixedTermEndingsOfSick(store.db, today, { employerId, record: true });
    expect(
      await store
        .db('case_events')
        .where({ employee_id: soon.employeeId, kind: 'fixed_term_ending_while_sick' }),
    ).toHaveLength(1);
  });

  it('When an employee has two employments on the first sick day, then the report must name one', async () => {
    const e = await seedEmployee(store.db, { employerId, departmentId });
    const second = await seedEmployment(store.db, e.employeeId, {
      employerId,
      externalId: `second-${e.employmentId}`,
      startDate: '2024-01-01',
    });
    await expect(
      reportSick(ctx(), e.employeeId, { firstSickDay: '2026-11-20', percentage: 100 }),
    ).rejects.toThrow(/give employmentId/);
    const r = await reportSick(ctx(), e.employeeId, {
      firstSickDay: '2026-11-20',
      percentage: 100,
      employmentId: second,
    });
    expect((await caseOfEmployee(store.db, e.employeeId, r.caseId)).employmentId).toBe(second);
    await expect(
      reportSick(ctx(), e.employeeId, {
        firstSickDay: '2026-11-20',
        hoursNotWorked: 4,
        employmentId: second,
      }),
    ).rejects.toThrow(/already has an open absence case/);
  });
});
