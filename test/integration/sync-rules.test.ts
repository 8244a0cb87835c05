import { describe, expect, it } from 'vitest';
import { testStoreKind } from '../helpers/store.js';
import { bsns, person, storedState, versionsOf, syncTestStore } from '../helpers/sync.js';
import { onEmploymentsEnded, type EmploymentsEndedHook } from '../../src/sync/hooks.js';

const bed = syncTestStore('rules');

const employer = bed.employer;

const snapshot = (employerId: string) => storedState(bed.store.db, employerId);

/** The first stored row of `table` that matches `where`. */
const first = (table: string, where: Record<string, unknown>) => bed.store.db(table).where(where).first();

/** The codes of an employer's active departments, in order. */
const activeCodes = (id: string) =>
  bed.store.db('departments').where({ employer_id: id, archived_at: null }).orderBy('code').pluck('code');

describe('sync rules', () => {
  it('When the same delivery runs twice, then the second run writes 0 rows and reports all unchanged', async () => {
    const { run } = await employer();
    const delivery = [person('1', { bsn: bsns[0] }), person('2', { bsn: bsns[1] }), person('3')];
    const first = await run(delivery);
    expect(first.counts).toMatchObject({ created: 3, updated: 0, unchanged: 0 });
    const second = await run(delivery);
    expect(second.status).toBe('completed');
    expect(second.counts).toMatchObject({ created: 0, updated: 0, unchanged: 3, rowsWritten: 0 });
  });

  it('When terms change from a new date, then a version is added and the previous one is closed', async () => {
    const { employer: e, run } = await employer();
    await run([person('1')]);
    const r = await run([
      person('1', {
        employments: [{ validFrom: '2026-03-01', departmentCode: 'D2' }],
        departments: [{ code: 'D2' }],
      }),
    ]);
    expect(r.counts.updated).toBe(1);
    expect(await versionsOf(bed.store.db, e.id, '1-1')).toEqual([
      { valid_from: '2020-01-01', valid_to: '2026-02-28', hours_per_week: 32, department: 'D1' },
      { valid_from: '2026-03-01', valid_to: null, hours_per_week: 32, department: 'D2' },
    ]);
  });

  it('When terms are corrected for an existing version date, then that version is rewritten, not added', async () => {
    const { employer: e, run } = await employer();
    await run([person('1')]);
    await run([person('1', { employments: [{ validFrom: '2020-01-01', hoursPerWeek: 24 }] })]);
    expect(await versionsOf(bed.store.db, e.id, '1-1')).toEqual([
      { valid_from: '2020-01-01', valid_to: null, hours_per_week: 24, department: 'D1' },
    ]);
  });

  it('When terms change without a change date, then they change from the delivery date and a rerun writes 0 rows', async () => {
    const { employer: e, run } = await employer();
    await run([person('1'), person('2')], { deliveryDate: '2026-11-27' });
    // A nightly CSV: today's terms only, no date from which they hold.
    const delivery = [person('1', { employments: [{ hoursPerWeek: 24 }] }), person('2')];
    const r = await run(delivery);
    expect(r.counts).toMatchObject({ updated: 1, unchanged: 1 });
    expect(await versionsOf(bed.store.db, e.id, '1-1')).toEqual([
      { valid_from: '2020-01-01', valid_to: '2026-11-27', hours_per_week: 32, department: 'D1' },
      { valid_from: '2026-11-28', valid_to: null, hours_per_week: 24, department: 'D1' },
    ]);
    expect(await versionsOf(bed.store.db, e.id, '2-1')).toHaveLength(1);
    const again = await run(delivery);
    expect(again.counts).toMatchObject({ updated: 0, unchanged: 2, rowsWritten: 0 });
    const nextNight = await run(delivery, { deliveryDate: '2026-11-29' });
    expect(nextNight.counts.rowsWritten).toBe(0);
  });

  it('When a new employment is delivered without a change date, then its first version holds from its start date', async () => {
    const { employer: e, run } = await employer();
    await run([person('1', { employments: [{ startDate: '2026-02-01', hoursPerWeek: 20 }] })]);
    expect(await versionsOf(bed.store.db, e.id, '1-1')).toEqual([
      { valid_from: '2026-02-01', valid_to: null, hours_per_week: 20, department: 'D1' },
    ]);
  });

  it('When an employment that ended before the delivery date gets other terms without a change date, then its last version is corrected', async () => {
    const { employer: e, run } = await employer({ delivery: 'mutations' });
    await run([person('1', { employments: [{ endDate: '2024-12-31' }] })]);
    await run([person('1', { employments: [{ endDate: '2024-12-31', hoursPerWeek: 16 }] })]);
    expect(await versionsOf(bed.store.db, e.id, '1-1')).toEqual([
      { valid_from: '2020-01-01', valid_to: null, hours_per_week: 16, department: 'D1' },
    ]);
  });

  it('When a person has a second employment in another record, then it is its own employment of the same employee', async () => {
    const { employer: e, run } = await employer();
    const second = person('1', {
      employments: [{ externalId: '1-B', hoursPerWeek: 8 }],
      position: 'delivery.csv:9',
    });
    const r = await run([person('1'), second]);
    expect(r.counts).toMatchObject({ created: 1, rejected: 0 });
    const s = await snapshot(e.id);
    expect(s.employees).toHaveLength(1);
    expect(s.employments).toHaveLength(2);
  });

  it('When an ended employee is re-hired under a new employment id, then a new employment is added', async () => {
    const { employer: e, run } = await employer({ delivery: 'mutations' });
    await run([person('1', { employments: [{ endDate: '2024-12-31' }] })]);
    let s = await snapshot(e.id);
    expect((s.employees[0] as { in_service: boolean }).in_service).toBe(false);
    await run([
      person('1', {
        employments: [{ endDate: '2024-12-31' }, { externalId: '1-2', startDate: '2026-06-01' }],
      }),
    ]);
    s = await snapshot(e.id);
    expect(s.employments).toHaveLength(2);
    expect((s.employees[0] as { in_service: boolean }).in_service).toBe(true);
  });

  it("When an employment's start date is corrected, then its first terms move with it and no day is without terms", async () => {
    const { employer: e, run } = await employer({ delivery: 'mutations' });
    await run([person('1')]);
    const first = async () =>
      (await versionsOf(bed.store.db, e.id, '1-1')).map((v) => [v.valid_from, v.valid_to]);
    const earlier = await run([person('1', { employments: [{ startDate: '2019-03-01' }] })]);
    expect(earlier.counts).toMatchObject({ updated: 1, rowsWritten: 2 });
    expect(await first()).toEqual([['2019-03-01', null]]);
    expect(await run([person('1', { employments: [{ startDate: '2019-03-01' }] })])).toMatchObject({
      counts: { rowsWritten: 0 },
    });
    await run([person('1', { employments: [{ startDate: '2021-03-01' }] })]);
    expect(await first()).toEqual([['2021-03-01', null]]);
    // A version that ended before a later start never held in the employment: it goes, and the
    // version in force at the new start starts with it.
    await run([
      person('1', { employments: [{ startDate: '2021-03-01', validFrom: '2022-01-01', hoursPerWeek: 20 }] }),
    ]);
    await run([person('1', { employments: [{ startDate: '2022-06-01', hoursPerWeek: 20 }] })]);
    expect(await first()).toEqual([['2022-06-01', null]]);
  });

  it('When a delivered end date passes, then the next run takes the employee out of service, once', async () => {
    const { employer: e, run } = await employer({ delivery: 'mutations' });
    await run([person('1', { employments: [{ endDate: '2026-12-31' }] }), person('2')]);
    const flags = async () =>
      (await snapshot(e.id)).employees.map((x) => (x as { in_service: boolean }).in_service);
    expect(await flags()).toEqual([true, true]);
    // As for an employment a complete delivery ends: out of service from a run on the end date on,
    // with nothing delivered.
    expect(await run([], { deliveryDate: '2026-12-30' })).toMatchObject({ counts: { rowsWritten: 0 } });
    expect(await flags()).toEqual([true, true]);
    expect(await run([], { deliveryDate: '2026-12-31' })).toMatchObject({ counts: { rowsWritten: 1 } });
    expect(await flags()).toEqual([false, true]);
    expect(await run([], { deliveryDate: '2027-01-01' })).toMatchObject({ counts: { rowsWritten: 0 } });
  });

  it('When new employees arrive, then each is in service exactly when one of its own new employments is not ended', async () => {
    const { employer: e, run } = await employer({ delivery: 'mutations' });
    await run([person('1'), person('2', { employments: [{ endDate: '2024-12-31' }] })]);
    // Person 3 names employment 1-1, which is stored with employee 1 and stays there: the record is
    // refused, so no employee 3 is created without employments.
    const moved = await run([person('3', { employments: [{ externalId: '1-1' }] })]);
    expect(moved.counts).toMatchObject({ created: 0, rejected: 1 });
    const people = (await snapshot(e.id)).employees as { personnel_number: string; in_service: boolean }[];
    const inService = Object.fromEntries(people.map((x) => [x.personnel_number, x.in_service]));
    expect(inService).toEqual({ '1': true, '2': false });
    const owners = await bed.store.db.raw(
      `select m.external_id, e.personnel_number from employments m join employees e on e.id = m.employee_id
        where m.employer_id = ? order by m.external_id`,
      [e.id],
    );
    expect(owners.rows).toEqual([
      { external_id: '1-1', personnel_number: '1' },
      { external_id: '2-1', personnel_number: '2' },
    ]);
  });

  it('When an employee is missing from a complete delivery, then the employment ends with reason, audit event and hook', async () => {
    const { employer: e, run } = await employer({ guard: 0.5 });
    await run([person('1'), person('2'), person('3')]);
    const seen: Array<{ runId: string; ended: unknown[] }> = [];
    const hook: EmploymentsEndedHook = async (trx, event) => {
      const ended = await trx(event.table).select('employment_id', 'end_date');
      seen.push({ runId: event.runId, ended });
    };
    onEmploymentsEnded.push(hook);
    try {
      const r = await run([person('1'), person('2')]);
      expect(r.counts).toMatchObject({ ended: 1, unchanged: 2 });
      const ended = await first('employments', { employer_id: e.id, external_id: '3-1' });
      expect(ended).toMatchObject({ end_date: '2026-11-28', end_reason: 'missing from complete delivery' });
      const emp = await first('employees', { employer_id: e.id, personnel_number: '3' });
      expect(emp.remote_deleted_at).not.toBeNull();
      expect(emp.in_service).toBe(false);
      const audit = await first('audit_events', { action: 'employment.ended', entity_id: ended.id });
      expect(audit.details).toMatchObject({
        runId: r.runId,
        endDate: '2026-11-28',
        reason: 'missing from complete delivery',
      });
      expect(seen).toEqual([
        { runId: r.runId, ended: [{ employment_id: ended.id, end_date: '2026-11-28' }] },
      ]);
      // The person comes back: no longer deleted at the source.
      await run([
        person('1'),
        person('2'),
        person('3', { employments: [{ externalId: '3-2', startDate: '2026-11-28' }] }),
      ]);
      const back = await first('employees', { employer_id: e.id, personnel_number: '3' });
      expect(back.remote_deleted_at).toBeNull();
    } finally {
      onEmploymentsEnded.splice(onEmploymentsEnded.indexOf(hook), 1);
    }
  });

  it('When a mutation delivery leaves employees out, then nothing is ended', async () => {
    const { employer: e, run } = await employer({ delivery: 'mutations' });
    await run([person('1'), person('2')]);
    const r = await run([person('1', { lastName: 'Bakker' })]);
    expect(r.counts).toMatchObject({ ended: 0, updated: 1 });
    const open = await bed.store.db('employments').where({ employer_id: e.id }).whereNull('end_date');
    expect(open).toHaveLength(2);
  });

  it('When a complete delivery would end more than the guard, then nothing is applied until forced, and who forced is recorded', async () => {
    const { employer: e, run } = await employer();
    await run(Array.from({ length: 10 }, (_, i) => person(String(i + 1))));
    const before = await snapshot(e.id);
    const delivery = [person('1'), person('2', { lastName: 'Changed' })];
    const tripped = await run(delivery);
    expect(tripped.status).toBe('guard_tripped');
    expect(tripped.message).toContain('8 of 10');
    expect(await snapshot(e.id)).toEqual(before);
    const forced = await run(delivery, { forcedBy: 'operator:alice' });
    expect(forced.status).toBe('completed');
    expect(forced.counts.ended).toBe(8);
    expect((await first('sync_runs', { id: forced.runId })).forced_by).toBe('operator:alice');
    expect((await first('sync_runs', { id: tripped.runId })).status).toBe('guard_tripped');
  });

  it('When a small employer loses no more employees than the link allows, then the guard lets it through', async () => {
    const { employer: e, run } = await employer({ guardAllowance: 1 });
    await run(Array.from({ length: 5 }, (_, i) => person(String(i + 1))));
    // One of five is 20%, above the 10% guard, but within the allowance of one.
    const one = await run([person('1'), person('2'), person('3'), person('4')]);
    expect(one.status).toBe('completed');
    expect(one.counts.ended).toBe(1);
    const before = await snapshot(e.id);
    const two = await run([person('1'), person('2')]);
    expect(two.status).toBe('guard_tripped');
    expect(two.message).toContain('2 of 5 current employees (40.0%), more than the guard of 10.0%');
    expect(two.message).toContain('more than the 1 the link always allows');
    expect(await snapshot(e.id)).toEqual(before);
  });

  it('When a department is missing and empty it is archived, and when it reappears it is reactivated', async () => {
    const { employer: e, run } = await employer();
    const deps = [{ code: 'D1' }, { code: 'OLD', name: 'Oud' }];
    await run([person('1', { departments: deps })]);
    const r = await run([person('1')]);
    expect(r.counts.departments.archived).toBe(1);
    // D1 still has a current employee: never archived.
    expect(await activeCodes(e.id)).toEqual(['D1']);
    const again = await run([person('1', { departments: deps })]);
    expect(again.counts.departments.reactivated).toBe(1);
    expect(await activeCodes(e.id)).toEqual(['D1', 'OLD']);
  });

  it('When a department reappears under a parent whose own parent was archived, then the departments above it are reactivated too', async () => {
    const { employer: e, run } = await employer();
    // As a csv-standard row gives it: the employee's department with its parent.
    const row = (nr: string, code: string, parentCode?: string, validFrom?: string) =>
      person(nr, { employments: [{ departmentCode: code, validFrom }], departments: [{ code, parentCode }] });
    await run([row('1', 'TEAM-A', 'SALES'), row('2', 'SALES', 'HQ')]);
    const ops = row('2', 'OPS', undefined, '2026-11-01');
    expect((await run([row('1', 'OPS', undefined, '2026-11-01'), ops])).counts.departments.archived).toBe(3);
    expect(await activeCodes(e.id)).toEqual(['OPS']);
    const back = [row('1', 'TEAM-A', 'SALES', '2026-11-20'), ops];
    const r = await run(back);
    expect(r.counts.departments).toEqual({ created: 0, updated: 0, archived: 0, reactivated: 3 });
    expect(await activeCodes(e.id)).toEqual(['HQ', 'OPS', 'SALES', 'TEAM-A']);
    expect((await run(back)).counts.rowsWritten).toBe(0);
  });

  it("When a department's only employee has the delivery date as last day, then it is archived by the next day's run", async () => {
    const { employer: e, run } = await employer();
    const last = { departmentCode: 'D2', endDate: '2026-11-28' };
    const leaving = person('2', { employments: [last], departments: [{ code: 'D2' }] });
    await run([person('1'), leaving], { deliveryDate: '2026-11-27' });
    // Still employed on the last day: still current there, so the department stays.
    const lastDay = await run([person('1')], { deliveryDate: '2026-11-28' });
    expect(lastDay.counts).toMatchObject({ ended: 0, departments: { archived: 0 } });
    expect(await activeCodes(e.id)).toEqual(['D1', 'D2']);
    expect((await run([person('1')], { deliveryDate: '2026-11-29' })).counts.departments.archived).toBe(1);
    expect(await activeCodes(e.id)).toEqual(['D1']);
  });

  it('When the delivered department tree has a cycle, then the delivery is rejected and nothing is applied', async () => {
    const { employer: e, run } = await employer();
    await run([
      person('1', { departments: [{ code: 'D1' }, { code: 'A' }, { code: 'B', parentCode: 'A' }] }),
    ]);
    const before = await snapshot(e.id);
    const r = await run([
      person('1', {
        departments: [{ code: 'D1' }, { code: 'A', parentCode: 'B' }, { code: 'B', parentCode: 'A' }],
      }),
    ]);
    expect(r.status).toBe('rejected');
    expect(r.message).toMatch(/circular \((A > B > A|B > A > B)\)/);
    expect(await snapshot(e.id)).toEqual(before);
  });

  it('When only vault fields change, then the fingerprint shows it and only that employee is re-encrypted', async () => {
    const { employer: e, run } = await employer();
    await run([person('1', { bsn: bsns[0] }), person('2', { bsn: bsns[1] })]);
    const before = await snapshot(e.id);
    const r = await run([person('1', { bsn: bsns[0], town: 'Zwolle' }), person('2', { bsn: bsns[1] })]);
    expect(r.counts).toMatchObject({ updated: 1, unchanged: 1, rowsWritten: 1 });
    const after = await snapshot(e.id);
    const changed = after.vault.filter((v, i) => JSON.stringify(v) !== JSON.stringify(before.vault[i]));
    expect(changed).toHaveLength(1);
    expect(JSON.stringify(after)).not.toContain(bsns[0]);
    expect(JSON.stringify(after)).not.toContain('Zwolle');
  });

  it('When something fails during apply, then the store is exactly as before and the run is recorded as failed', async () => {
    const { employer: e, run } = await employer({ guard: 1 });
    await run([person('1'), person('2')]);
    const before = await snapshot(e.id);
    const hook = async () => {
      throw new Error('absence module refused');
    };
    onEmploymentsEnded.push(hook);
    try {
      const r = await run([person('1', { lastName: 'Changed' })]);
      expect(r.status).toBe('failed');
      // Internal errors stay in the log: the run record names no internals.
      expect(r.message).toMatch(/internal error occurred \(logged under run /);
      expect(r.message).not.toContain('absence module refused');
      expect(await snapshot(e.id)).toEqual(before);
      expect((await bed.store.db('sync_runs').where({ id: r.runId }).first()).status).toBe('failed');
    } finally {
      onEmploymentsEnded.splice(onEmploymentsEnded.indexOf(hook), 1);
    }
  });

  it('When a run is a dry run, then it reports the plan and writes nothing, not even a run record', async () => {
    const { employer: e, run } = await employer();
    const before = await snapshot(e.id);
    const r = await run([person('1'), person('2')], { dryRun: true });
    expect(r.counts).toMatchObject({ created: 2 });
    expect(await snapshot(e.id)).toEqual(before);
    expect(await bed.store.db('sync_runs').where({ employer_id: e.id })).toHaveLength(0);
  });

  it('When a run was left running by a stopped process, then the next completed run marks it abandoned', async () => {
    const { employer: e, run } = await employer();
    // One waiting for its turn on another instance says so; one that said so long ago has stopped.
    // Each was recorded a minute ago, as by a process that has stopped since (the embedded store's
    // clock counts milliseconds, and the next run can start in the same one).
    const aMinuteAgo = new Date(Date.now() - 60_000);
    const runningRun = async (trigger: string, waitingSince?: number) => {
      const at = new Date(Date.now() - (waitingSince ?? 0) * 1000).toISOString();
      const progress = waitingSince === undefined ? null : { phase: 'waiting', records: 0, at };
      const recorded = { connector: 'csv', delivery: 'complete', status: 'running', started_at: aMinuteAgo };
      const row = { employer_id: e.id, trigger, ...recorded };
      const [inserted] = await bed.store
        .db('sync_runs')
        .insert({ ...row, progress: progress && JSON.stringify(progress) })
        .returning('id');
      return (inserted as { id: string }).id;
    };
    const stale = await runningRun('cli');
    const waiting = await runningRun('api', 20);
    const gone = await runningRun('api', 600);
    await run([person('1')]);
    const statusOf = async (id: string) => ((await first('sync_runs', { id })) as { status: string }).status;
    expect(await statusOf(stale)).toBe('abandoned');
    expect(await statusOf(waiting)).toBe('running');
    expect(await statusOf(gone)).toBe('abandoned');
  });

  it.skipIf(testStoreKind === 'pglite')(
    'When another run holds the employer, then a second run does not start (PostgreSQL only: PGlite has one connection)',
    async () => {
      const { employer: e, run } = await employer();
      const trx = await bed.store.db.transaction();
      try {
        await trx.raw(`select pg_advisory_xact_lock(?, hashtext(?))`, [0x4b50_5359, e.id]);
        const r = await run([person('1')]);
        expect(r.status).toBe('busy');
      } finally {
        await trx.rollback();
      }
      expect((await run([person('1')])).status).toBe('completed');
    },
  );
});
