import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore, type TestStore } from '../helpers/store.js';
import { seedEmployee, seedEmployer, seedEmployment } from '../helpers/absence.js';
import { reportRecovery, reportSick } from '../../src/absence/cases.js';
import { correctCase } from '../../src/absence/correction.js';
import { actOnTask, groupedTasks, tasksOfCase } from '../../src/absence/tasks.js';
import { migrateLatest } from '../../src/store/migrate.js';
import { poortwachterSchedule } from '../../src/domain/poortwachter.js';

const actor = { type: 'user' as const, id: 'tester' };

describe('Poortwachter tasks follow from the count', () => {
  let store: TestStore;
  let employerId: string;
  let departmentId: string;
  const today = '2026-11-28';
  const ctx = (day = today) => ({ db: store.db, actor, today: day });

  beforeAll(async () => {
    store = await createTestStore();
    ({ employerId, departmentId } = await seedEmployer(store.db));
  });
  afterAll(async () => store?.close());

  /** A seeded employee with a second employment (of 8 hours) beside the first. */
  async function employeeWithTwoEmployments() {
    const e = await seedEmployee(store.db, { employerId, departmentId });
    const other = await seedEmployment(store.db, e.employeeId, {
      employerId,
      externalId: `${e.personnelNumber}-2`,
      departmentId,
      hoursPerWeek: 8,
    });
    return { e, other };
  }

  /**
   * Runs two reports so that both read before either writes. The embedded store interleaves their
   * statements on its one connection by itself; on PostgreSQL another session holds the cases table
   * against writes until both reports wait for it, or for each other.
   */
  async function bothReadBeforeEitherWrites<T>(reports: () => Promise<T>): Promise<T> {
    if (store.kind !== 'postgres') return reports();
    const holder = await store.db.transaction();
    await holder.raw('lock table absence_cases in share mode');
    const { pid } = (await holder.raw('select pg_backend_pid() as pid')).rows[0] as { pid: number };
    const going = reports();
    going.catch(() => undefined);
    const waiting = async () => {
      const result = await store.db.raw(
        `with held as (select pid from pg_stat_activity where ? = any(pg_blocking_pids(pid)))
         select (select count(*) from held)
              + (select count(*) from pg_stat_activity a where exists (
                   select 1 from held h where h.pid = any(pg_blocking_pids(a.pid)))) as n`,
        [pid],
      );
      return Number((result.rows as Array<{ n: string }>)[0]!.n);
    };
    await expect.poll(waiting, { timeout: 20_000, interval: 50 }).toBe(2);
    await holder.commit();
    return going;
  }

  it('When an employee is reported sick, then all tasks are listed with stable ids and none is stored until acted on', async () => {
    const e = await seedEmployee(store.db, { employerId, departmentId });
    const { caseId } = await reportSick(ctx(), e.employeeId, { firstSickDay: '2026-11-23', percentage: 100 });
    const tasks = await tasksOfCase(store.db, caseId, today);
    expect(tasks).toHaveLength(poortwachterSchedule('2026-11-23').length);
    expect((await tasksOfCase(store.db, caseId, today)).map((t) => t.id)).toEqual(tasks.map((t) => t.id));
    expect(new Set(tasks.map((t) => t.id)).size).toBe(tasks.length);
    expect(await store.db('poortwachter_tasks').where({ employee_id: e.employeeId })).toHaveLength(0);

    const plan = tasks.find((t) => t.kind === 'plan_of_action')!;
    await actOnTask(ctx(), e.employeeId, plan.id, { action: 'flag', important: true });
    const postponed = await actOnTask(ctx(), e.employeeId, plan.id, {
      action: 'postpone',
      postponeTo: '2027-02-01',
      reason: 'Company doctor on leave',
    });
    expect(postponed).toMatchObject({ id: plan.id, status: 'postponed', important: true });
    const rows = await store.db('poortwachter_tasks').where({ employee_id: e.employeeId });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: plan.id, case_id: caseId, status: 'postponed' });

    const groups = await groupedTasks(store.db, (q) => q.where('c.employee_id', e.employeeId), today);
    const listed = [...groups.overdue, ...groups.dueNow, ...groups.future];
    expect(listed).toHaveLength(tasks.length);
    expect(groups.future[0]).toMatchObject({ id: plan.id, important: true });
  });

  it('When the case ends, then its open tasks show as closed, take a flag only, and no task row is written', async () => {
    const e = await seedEmployee(store.db, { employerId, departmentId });
    const { caseId } = await reportSick(ctx(), e.employeeId, { firstSickDay: '2026-11-02', percentage: 100 });
    await reportRecovery(ctx(), e.employeeId, caseId, { lastSickDay: '2026-11-20' });
    const tasks = await tasksOfCase(store.db, caseId, today);
    expect(new Set(tasks.map((t) => t.status))).toEqual(new Set(['closed']));
    expect(await store.db('poortwachter_tasks').where({ employee_id: e.employeeId })).toHaveLength(0);
    await expect(actOnTask(ctx(), e.employeeId, tasks[0]!.id, { action: 'done' })).rejects.toMatchObject({
      code: 'conflict',
    });
    const flagged = await actOnTask(ctx(), e.employeeId, tasks[0]!.id, { action: 'flag', important: true });
    expect(flagged).toMatchObject({ status: 'closed', important: true });
  });

  it('When two employments are sick again within four weeks of one case, then one continues its count and the other starts its own; no task shows twice', async () => {
    const { e, other } = await employeeWithTwoEmployments();
    // Each reported the day it happened.
    const sick = (employmentId: string, firstSickDay: string) =>
      reportSick(ctx(firstSickDay), e.employeeId, { employmentId, firstSickDay, percentage: 100 });
    const first = await sick(e.employmentId, '2026-10-01');
    await reportRecovery(ctx('2026-10-20'), e.employeeId, first.caseId, { lastSickDay: '2026-10-20' });
    const again = await sick(e.employmentId, '2026-11-02');
    // A case continued already still refuses a report that overlaps it.
    await expect(sick(other, '2026-10-15')).rejects.toMatchObject({ code: 'conflict' });
    const alongside = await sick(other, '2026-11-03');
    expect(again.samentelling?.continuesCaseId).toBe(first.caseId);
    expect(alongside.samentelling?.continuesCaseId).toBeUndefined();
    const groups = await groupedTasks(store.db, (q) => q.where('c.employee_id', e.employeeId), today);
    const listed = [...groups.overdue, ...groups.dueNow, ...groups.future];
    expect(new Set(listed.map((t) => t.id)).size).toBe(listed.length);
    const perCase = await Promise.all(
      [again, alongside].map(async (c) => (await tasksOfCase(store.db, c.caseId, today)).length),
    );
    expect(listed).toHaveLength(perCase[0]! + perCase[1]!);
    // A correction of the continuing case keeps what it continues.
    await correctCase(ctx('2026-11-04'), e.employeeId, again.caseId, { firstSickDay: '2026-11-04' });
    expect(await store.db('absence_cases').where({ id: again.caseId }).first('continues_case_id')).toEqual({
      continues_case_id: first.caseId,
    });
  });

  it("When a case on another employment ends after this case was reported, then this case's first sick day can still be corrected and it continues no case", async () => {
    const { e, other } = await employeeWithTwoEmployments();
    const alongside = await reportSick(ctx('2026-09-01'), e.employeeId, {
      employmentId: other,
      firstSickDay: '2026-09-01',
      percentage: 100,
    });
    const c = await reportSick(ctx('2026-11-02'), e.employeeId, {
      employmentId: e.employmentId,
      firstSickDay: '2026-11-02',
      percentage: 100,
    });
    await reportRecovery(ctx('2026-11-10'), e.employeeId, alongside.caseId, { lastSickDay: '2026-11-10' });
    // Onto a day the other case still covers, then to a day within four weeks after it ended.
    await correctCase(ctx('2026-11-12'), e.employeeId, c.caseId, { firstSickDay: '2026-11-03' });
    await correctCase(ctx('2026-11-12'), e.employeeId, c.caseId, { firstSickDay: '2026-11-12' });
    expect(
      await store.db('absence_cases').where({ id: c.caseId }).first('first_sick_day', 'continues_case_id'),
    ).toEqual({ first_sick_day: '2026-11-12', continues_case_id: null });
  });

  it('When a correction moves the first sick day to before an earlier ended case, then it is refused as overlapping that case', async () => {
    const e = await seedEmployee(store.db, { employerId, departmentId });
    const sick = (firstSickDay: string) =>
      reportSick(ctx(firstSickDay), e.employeeId, { firstSickDay, percentage: 100 });
    const first = await sick('2026-10-01');
    await reportRecovery(ctx('2026-10-20'), e.employeeId, first.caseId, { lastSickDay: '2026-10-20' });
    const again = await sick('2026-11-02');
    await expect(
      correctCase(ctx('2026-11-16'), e.employeeId, again.caseId, {
        firstSickDay: '2026-09-25',
        lateReason: 'Reported with the wrong first sick day',
      }),
    ).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringContaining('falls within the previous case'),
    });
    expect(await store.db('absence_cases').where({ id: again.caseId }).first('continues_case_id')).toEqual({
      continues_case_id: first.caseId,
    });
  });

  it('When two employments are reported sick at the same moment within four weeks of one case, then only one continues its count', async () => {
    const { e, other } = await employeeWithTwoEmployments();
    const at = ctx('2026-11-02');
    const first = await reportSick(ctx('2026-10-01'), e.employeeId, {
      employmentId: e.employmentId,
      firstSickDay: '2026-10-01',
      percentage: 100,
    });
    await reportRecovery(ctx('2026-10-20'), e.employeeId, first.caseId, { lastSickDay: '2026-10-20' });
    const both = await bothReadBeforeEitherWrites(() =>
      Promise.all(
        [e.employmentId, other].map((employmentId) =>
          reportSick(at, e.employeeId, { employmentId, firstSickDay: '2026-11-02', percentage: 100 }),
        ),
      ),
    );
    expect(both.map((r) => r.samentelling?.continuesCaseId ?? null).sort()).toEqual([first.caseId, null]);
    const continuing = await store
      .db('absence_cases')
      .where({ continues_case_id: first.caseId })
      .count({ n: '*' });
    expect(Number(continuing[0]!.n)).toBe(1);
  });

  it('When a task id belongs to another employee, then acting on it answers 404', async () => {
    const a = await seedEmployee(store.db, { employerId, departmentId });
    const b = await seedEmployee(store.db, { employerId, departmentId });
    const { caseId } = await reportSick(ctx(), a.employeeId, { firstSickDay: '2026-11-23', percentage: 100 });
    const [first] = await tasksOfCase(store.db, caseId, today);
    await expect(actOnTask(ctx(), b.employeeId, first!.id, { action: 'done' })).rejects.toMatchObject({
      code: 'not_found',
    });
  });
});

describe('Stored tasks of an earlier release', () => {
  let store: TestStore;
  beforeAll(async () => {
    store = await createTestStore({ migratedUpTo: '20261128150000_absence' });
  });
  afterAll(async () => store?.close());

  it('When the store is migrated, then every stored task keeps its id, status and flag under the first case of its count', async () => {
    const db = store.db;
    const { employerId, departmentId } = await seedEmployer(db);
    const e = await seedEmployee(db, { employerId, departmentId });
    const owner = { employer_id: employerId, employee_id: e.employeeId, employment_id: e.employmentId };
    const [{ id: first }] = (await db('absence_cases')
      .insert({
        ...owner,
        status: 'ended',
        first_sick_day: '2026-09-01',
        count_start: '2026-09-01',
        classification: 'illness',
        last_sick_day: '2026-10-01',
        end_kind: 'recovered',
      })
      .returning('id')) as [{ id: string }];
    const [{ id: second }] = (await db('absence_cases')
      .insert({
        ...owner,
        status: 'ended',
        first_sick_day: '2026-10-10',
        count_start: '2026-09-01',
        continues_case_id: first,
        classification: 'illness',
        last_sick_day: '2026-11-01',
        end_kind: 'recovered',
      })
      .returning('id')) as [{ id: string }];
    // As the earlier release left them: every task moved to the latest case, closed when it ended.
    const schedule = poortwachterSchedule('2026-09-01');
    await db('poortwachter_tasks').insert(
      schedule.map((t, i) => ({
        employer_id: employerId,
        employee_id: e.employeeId,
        case_id: second,
        kind: t.kind,
        occurrence: t.occurrence,
        week: t.week,
        due_date: t.dueDate,
        status: i === 0 ? 'done' : 'closed',
        status_before_close: i === 0 ? null : i === 1 ? 'postponed' : 'open',
        postponed_to: i === 1 ? '2026-12-01' : null,
        reason: i === 1 ? 'Waiting for the company doctor' : null,
        important: i === 2,
      })),
    );
    const before = (await db('poortwachter_tasks').select('id', 'kind', 'occurrence')) as Array<{
      id: string;
      kind: string;
      occurrence: number;
    }>;

    await migrateLatest(db);

    expect(await db('absence_cases').where({ id: second }).first('count_case_id')).toEqual({
      count_case_id: first,
    });
    expect(await db('absence_cases').where({ id: first }).first('count_case_id')).toEqual({
      count_case_id: null,
    });
    const rows = await db('poortwachter_tasks').orderBy('due_date');
    expect(rows).toHaveLength(schedule.length);
    expect(new Set(rows.map((r: { case_id: string }) => r.case_id))).toEqual(new Set([first]));
    expect(rows.map((r: { status: string }) => r.status).slice(0, 3)).toEqual(['done', 'postponed', 'open']);

    const tasks = await tasksOfCase(db, second, '2026-11-28');
    expect(tasks.map((t) => t.id).sort()).toEqual(before.map((b) => b.id).sort());
    expect(tasks.find((t) => t.id === rows[1].id)).toMatchObject({
      status: 'closed',
      postponedTo: '2026-12-01',
    });
    expect(tasks.find((t) => t.id === rows[2].id)).toMatchObject({ status: 'closed', important: true });
    expect(await tasksOfCase(db, first, '2026-11-28')).toHaveLength(0);

    // A sickness within 4 weeks continues the count: the tasks are open again as they were.
    const ctx = { db, actor, today: '2026-11-28' };
    const third = await reportSick(ctx, e.employeeId, { firstSickDay: '2026-11-20', percentage: 100 });
    expect(third.samentelling?.continuesCaseId).toBe(second);
    const reopened = await tasksOfCase(db, third.caseId, '2026-11-28');
    expect(reopened.find((t) => t.id === rows[0].id)?.status).toBe('done');
    expect(reopened.find((t) => t.id === rows[1].id)?.status).toBe('postponed');
    expect(reopened.find((t) => t.id === rows[2].id)).toMatchObject({ status: 'open', important: true });
    expect(await db('absence_cases').where({ id: third.caseId }).first('count_case_id')).toEqual({
      count_case_id: first,
    });
  });
});
