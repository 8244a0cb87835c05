import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore, type TestStore } from '../helpers/store.js';
import { seedEmployee, seedEmployer } from '../helpers/absence.js';
import { correctCase, reportPercentageChange, reportRecovery, reportSick } from '../../src/absence/cases.js';
import { reportPregnancy } from '../../src/absence/pregnancy.js';
import { actOnTask, tasksOfCase } from '../../src/absence/tasks.js';
import { caseHistory, caseOfEmployee } from '../../src/absence/views.js';
import type { Actor } from '../../src/absence/records.js';

const actor: Actor = { type: 'user', id: 'user-42' };

describe('One employee from sick report to pregnancy', () => {
  let store: TestStore;
  let employeeId: string;
  let firstCase: string;
  let secondCase: string;
  const at = (today: string) => ({ db: store.db, actor, today });
  const outbox = (caseId: string) =>
    store
      .db('case_outbox')
      .where({ case_id: caseId })
      .orderBy('sequence')
      .select('sequence', 'message_kind', 'case_type');

  beforeAll(async () => {
    store = await createTestStore();
    const { employerId, departmentId } = await seedEmployer(store.db);
    ({ employeeId } = await seedEmployee(store.db, { employerId, departmentId }));
  });
  afterAll(async () => {
    await store.close();
  });

  it('When the employee is reported sick, then a case with one period, the Poortwachter tasks and outbox row 1 exist', async () => {
    const r = await reportSick(at('2026-01-05'), employeeId, {
      firstSickDay: '2026-01-05',
      percentage: 100,
      note: 'Called in by phone',
    });
    firstCase = r.caseId;
    expect(r.outboxSequence).toBe(1);
    expect(r.warnings[0]).toMatch(/no medical data|must not contain medical data/i);
    const c = await caseOfEmployee(store.db, employeeId, firstCase);
    expect(c.timeline).toEqual([{ from: '2026-01-05', until: null, percentage: 100 }]);
    const tasks = await tasksOfCase(store.db, firstCase, '2026-01-05');
    expect(tasks.find((t) => t.kind === 'problem_analysis')?.dueDate).toBe('2026-02-15');
    expect(tasks.find((t) => t.kind === 'end_of_wage_payment')?.dueDate).toBe('2028-01-02');
    expect(await outbox(firstCase)).toEqual([
      { sequence: 1, message_kind: 'sick_report', case_type: 'absence' },
    ]);
    const report = tasks.find((t) => t.kind === 'report_to_arbodienst')!;
    await actOnTask(at('2026-01-06'), employeeId, report.id, { action: 'done' });
  });

  it('When a partial recovery and a relapse follow, then the timeline has three periods and outbox rows 2 and 3', async () => {
    await reportPercentageChange(at('2026-01-19'), employeeId, firstCase, {
      from: '2026-01-19',
      percentage: 50,
    });
    await reportPercentageChange(at('2026-02-02'), employeeId, firstCase, {
      from: '2026-02-02',
      hoursNotWorked: 8,
    });
    const c = await caseOfEmployee(store.db, employeeId, firstCase);
    expect(c.timeline).toEqual([
      { from: '2026-01-05', until: '2026-01-18', percentage: 100 },
      { from: '2026-01-19', until: '2026-02-01', percentage: 50 },
      { from: '2026-02-02', until: null, percentage: 100 },
    ]);
    expect((await outbox(firstCase)).map((o) => o.message_kind)).toEqual([
      'sick_report',
      'partial_recovery',
      'relapse',
    ]);
  });

  it('When a correction is tried after the partial recovery, then it is refused and nothing is written', async () => {
    await expect(
      correctCase(at('2026-02-03'), employeeId, firstCase, { classification: 'work_accident' }),
    ).rejects.toThrow(/can no longer be corrected.*2026-01-19/);
    expect(await outbox(firstCase)).toHaveLength(3);
    expect((await caseOfEmployee(store.db, employeeId, firstCase)).classification).toBe('illness');
  });

  it('When full recovery is reported by first day back, then the case ends the day before and its open tasks close', async () => {
    const r = await reportRecovery(at('2026-02-20'), employeeId, firstCase, { firstDayBack: '2026-02-20' });
    expect(r.outboxSequence).toBe(4);
    const c = await caseOfEmployee(store.db, employeeId, firstCase);
    expect(c.status).toBe('ended');
    expect(c.lastSickDay).toBe('2026-02-19');
    expect(c.timeline.at(-1)).toEqual({ from: '2026-02-02', until: '2026-02-19', percentage: 100 });
    const statuses = new Set((await tasksOfCase(store.db, firstCase, '2026-02-20')).map((t) => t.status));
    expect([...statuses].sort()).toEqual(['closed', 'done']);
    const history = await caseHistory(store.db, { absenceCaseId: firstCase });
    expect(history.map((h) => h.kind)).toEqual(['sick_report', 'partial_recovery', 'relapse', 'recovery']);
    expect(history.every((h) => h.actorType === 'user' && h.actorId === 'user-42')).toBe(true);
  });

  it('When a new sickness starts 3 weeks later, then it continues the count and the tasks reopen as they were', async () => {
    const r = await reportSick(at('2026-03-12'), employeeId, { firstSickDay: '2026-03-12', percentage: 100 });
    secondCase = r.caseId;
    expect(r.samentelling).toMatchObject({ continuesCaseId: firstCase, countStart: '2026-01-05' });
    expect(r.outboxSequence).toBe(1);
    const c = await caseOfEmployee(store.db, employeeId, secondCase);
    expect(c.countStart).toBe('2026-01-05');
    const tasks = await tasksOfCase(store.db, secondCase, '2026-03-12');
    expect(tasks.find((t) => t.kind === 'report_to_arbodienst')?.status).toBe('done');
    expect(tasks.find((t) => t.kind === 'problem_analysis')).toMatchObject({
      status: 'open',
      dueDate: '2026-02-15',
      urgency: 'overdue',
    });
    expect(tasks.filter((t) => t.status === 'closed')).toHaveLength(0);
    // The 20 days between the cases do not count toward the 104 weeks (BW 7:629 lid 10).
    expect(tasks.find((t) => t.kind === 'uwv_42_week_report')?.dueDate).toBe('2026-11-16');
    expect(tasks.find((t) => t.kind === 'end_of_wage_payment')?.dueDate).toBe('2028-01-22');
    expect(await tasksOfCase(store.db, firstCase, '2026-03-12')).toHaveLength(0);
    expect(await outbox(secondCase)).toEqual([
      { sequence: 1, message_kind: 'sick_report', case_type: 'absence' },
    ]);
  });

  it('When a pregnancy is reported, then a last working day outside the window is refused and one inside computes the leave', async () => {
    await expect(
      reportPregnancy(at('2026-03-20'), employeeId, {
        expectedDate: '2026-08-01',
        lastWorkingDay: '2026-06-19',
      }),
    ).rejects.toThrow(/from 2026-06-20 through 2026-07-04/);
    const r = await reportPregnancy(at('2026-03-20'), employeeId, {
      expectedDate: '2026-08-01',
      lastWorkingDay: '2026-06-20',
    });
    expect(r.pregnancy).toMatchObject({ leaveStart: '2026-06-21', leaveEnd: '2026-10-10', status: 'open' });
    expect(await outbox(r.pregnancy.id)).toEqual([
      { sequence: 1, message_kind: 'pregnancy_report', case_type: 'pregnancy' },
    ]);
    const rows = (await store.db('case_outbox').select('*')) as Array<Record<string, unknown>>;
    expect(Object.keys(rows[0]!).sort()).toEqual(
      [
        'attempts',
        'case_id',
        'case_type',
        'created_at',
        'delivered_at',
        'employer_id',
        'id',
        'message_kind',
        'sequence',
        'status',
      ].sort(),
    );
  });
});
