import { randomUUID } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { log } from '../../src/log.js';
import { testVault } from '../helpers/store.js';
import { AppError } from '../../src/errors.js';
import { findRun } from '../../src/sync/runs.js';
import type { MappingOutcome } from '../../src/sync/types.js';
import { formatReport, storedRunReport } from '../../src/sync/report.js';
import { bsns, partialPerson, person, storedState, versionsOf, syncTestStore } from '../helpers/sync.js';

/** Records the engine leaves out or takes in part: clashing keys, invalid records, person data missing. */

const bed = syncTestStore('records');

const employer = bed.employer;

const snapshot = (employerId: string) => storedState(bed.store.db, employerId);

describe('clashing and invalid records', () => {
  it('When two records share a key, then both are rejected with the reason and the rest continues', async () => {
    const { employer: e, run } = await employer();
    const r = await run([
      person('1', { position: 'd.csv:2' }),
      person('1', { lastName: 'Other', employments: [{ externalId: '1-X' }], position: 'd.csv:3' }),
      person('2', { position: 'd.csv:4' }),
      person('3', { employments: [{ externalId: 'SAME' }], position: 'd.csv:5' }),
      person('4', { employments: [{ externalId: 'SAME' }], position: 'd.csv:6' }),
    ]);
    expect(r.status).toBe('completed');
    expect(r.counts).toMatchObject({ created: 1, rejected: 4 });
    expect(r.rejects.map((x) => x.position).sort()).toEqual(['d.csv:2', 'd.csv:3', 'd.csv:5', 'd.csv:6']);
    expect(r.rejects.find((x) => x.position === 'd.csv:2')!.reason).toContain('different person data');
    expect(r.rejects.find((x) => x.position === 'd.csv:5')!.reason).toContain(
      'employment SAME appears more than once',
    );
    const stored = await bed.store.db('sync_rejections').where({ run_id: r.runId });
    expect(stored).toHaveLength(4);
    expect((await snapshot(e.id)).employees).toHaveLength(1);
  });

  it('When records are left out for a duplicate key, then the departments they give are not created, renamed or placed', async () => {
    const { employer: e, run } = await employer({ delivery: 'mutations' });
    await run([
      person('1', {
        departments: [{ code: 'FIN', name: 'Financiën' }],
        employments: [{ departmentCode: 'FIN' }],
      }),
    ]);
    const twin = (nr: string) =>
      person(nr, {
        employments: [{ externalId: 'DV-1', departmentCode: 'FIN' }],
        departments: [
          { code: 'FIN', name: 'Fout', parentCode: 'HR' },
          { code: 'NEW', name: 'Nieuw' },
        ],
      });
    // Two more records repeat what the three left out give of NEW: the name comes from them.
    const repeating = (nr: string) =>
      person(nr, { employments: [{ departmentCode: 'NEW' }], departments: [{ code: 'NEW', name: 'Nieuw' }] });
    const r = await run([twin('2'), twin('3'), twin('6'), repeating('4'), repeating('5')]);
    expect(r.status).toBe('completed');
    expect(r.counts).toMatchObject({ created: 2, rejected: 3 });
    expect(r.notices).toEqual([]);
    const departments = await bed.store.db('departments').where({ employer_id: e.id }).orderBy('code');
    expect(
      departments.map((d: { code: string; name: string; parent_id: string | null }) => [
        d.code,
        d.name,
        d.parent_id,
      ]),
    ).toEqual([
      ['FIN', 'Financiën', null],
      ['NEW', 'Nieuw', null],
    ]);
  });

  it('When records are invalid, then they are quarantined with position, field and reason, without the BSN', async () => {
    const { run } = await employer();
    const r = await run([
      {
        ok: false,
        position: 'd.csv:7',
        problems: [{ field: 'bsn', reason: 'not a valid BSN (the 11-check fails)' }],
      },
      person('8', { bsn: '123456789', departments: [{ code: 'Q8', name: 'Only here' }] }),
      person('9', { bsn: bsns[2] }),
    ]);
    expect(r.status).toBe('completed');
    expect(r.counts.created).toBe(1);
    expect(r.rejects).toEqual([
      { position: 'd.csv:7', field: 'bsn', reason: 'not a valid BSN (the 11-check fails)' },
      { position: 'delivery.csv:8', field: 'vault.bsn', reason: 'not a valid BSN (the 11-check fails)' },
    ]);
    const text = JSON.stringify(await bed.store.db('sync_rejections').where({ run_id: r.runId }));
    expect(text).not.toContain('123456789');
    // A quarantined record names no department either.
    expect(await bed.store.db('departments').where({ code: 'Q8' })).toEqual([]);
  });
});

describe('a run the vault keys cannot serve', () => {
  it("When the vault keys cannot open the employer's data key, then the run is recorded as failed and nothing applied", async () => {
    const { employer: e, run } = await employer();
    await run([person('1')]);
    const logged = vi.spyOn(log, 'error').mockImplementation(() => log);
    const r = await run([person('1'), person('2')], { vault: testVault(bed.store) });
    logged.mockRestore();
    expect(r.status).toBe('failed');
    expect(r.message).toMatch(/an internal error occurred \(logged under run /);
    expect(await bed.store.db('sync_runs').where({ id: r.runId }).first('status')).toEqual({
      status: 'failed',
    });
    expect(await bed.store.db('employees').where({ employer_id: e.id })).toHaveLength(1);
  });
});

describe('records without the person data (partialEmployee)', () => {
  it('When a partial record arrives for a known employee, then the stored person data stays and only employments change', async () => {
    const { employer: e, run } = await employer();
    await run([person('1', { bsn: bsns[0] }), person('2')]);
    const before = await snapshot(e.id);
    const r = await run([
      partialPerson('1', { employments: [{ validFrom: '2026-06-01', hoursPerWeek: 20 }] }),
      partialPerson('2'),
    ]);
    expect(r.counts).toMatchObject({ created: 0, updated: 1, unchanged: 1, rejected: 0, ended: 0 });
    const after = await snapshot(e.id);
    const person1 = (s: typeof after) =>
      (s.employees as Array<Record<string, unknown>>).map(({ updated_at: _, ...rest }) => rest);
    expect(person1(after)).toEqual(person1(before));
    expect(after.vault).toEqual(before.vault);
    expect(await versionsOf(bed.store.db, e.id, '1-1')).toEqual([
      { valid_from: '2020-01-01', valid_to: '2026-05-31', hours_per_week: 32, department: 'D1' },
      { valid_from: '2026-06-01', valid_to: null, hours_per_week: 20, department: 'D1' },
    ]);
    const again = await run([
      partialPerson('1', { employments: [{ validFrom: '2026-06-01', hoursPerWeek: 20 }] }),
      partialPerson('2'),
    ]);
    expect(again.counts.rowsWritten).toBe(0);
  });

  it('When a partial record arrives for an unknown employee, then it is quarantined with the reason and the rest continues', async () => {
    const { employer: e, run } = await employer();
    await run([person('1')]);
    const r = await run([
      partialPerson('1', { employments: [{ hoursPerWeek: 30 }] }),
      partialPerson('9', { position: 'd.xml:9' }),
    ]);
    expect(r.status).toBe('completed');
    expect(r.counts).toMatchObject({ created: 0, updated: 1, rejected: 1, ended: 0 });
    expect(r.rejects).toEqual([
      {
        position: 'd.xml:9',
        field: 'personnelNumber',
        reason: 'employee unknown: deliver WerknemersGegevens (or a full record) first',
      },
    ]);
    const employees = await bed.store.db('employees').where({ employer_id: e.id });
    expect(employees.map((x: { personnel_number: string }) => x.personnel_number)).toEqual(['1']);
    expect(employees[0].last_name).toBe('Jansen 1');
  });
});

describe('departments named by several records', () => {
  it('When records name a department differently or without a name, then the first name and parent given hold and a stored name stays', async () => {
    const { employer: e, run } = await employer({ delivery: 'mutations' });
    const tree = async () =>
      (
        await bed.store.db.raw(
          `select d.code, d.name, p.code as parent from departments d left join departments p on p.id = d.parent_id
            where d.employer_id = ? order by d.code`,
          [e.id],
        )
      ).rows;
    await run([
      person('1', {
        departments: [
          { code: 'B', name: 'Bee' },
          { code: 'C', name: 'Cee', parentCode: 'B' },
        ],
      }),
      person('2', { departments: [{ code: 'C', name: 'Cee tweede' }] }),
      person('3', { departments: [{ code: 'C' }] }),
    ]);
    expect(await tree()).toEqual([
      { code: 'B', name: 'Bee', parent: null },
      { code: 'C', name: 'Cee', parent: 'B' },
      { code: 'D1', name: 'D1', parent: null },
    ]);
    // Later a record names C by its code only: its stored name stays.
    const r = await run([person('3', { departments: [{ code: 'C', parentCode: 'B' }] })]);
    expect(r.counts.departments).toMatchObject({ updated: 0 });
    expect((await tree())[1]).toEqual({ code: 'C', name: 'Cee', parent: 'B' });
  });

  it('When records disagree on a department name or parent, then the run keeps the first and its report says so once per department and field', async () => {
    const { run } = await employer({ delivery: 'mutations' });
    const r = await run([
      person('1', { position: 'd.csv:2', departments: [{ code: 'A', name: 'Aa', parentCode: 'P' }] }),
      person('2', { position: 'd.csv:3', departments: [{ code: 'A', name: 'Ab', parentCode: 'Q' }] }),
      person('3', { position: 'd.csv:4', departments: [{ code: 'A', name: 'Ac' }] }),
      person('4', { position: 'd.csv:5', departments: [{ code: 'B' }] }),
      person('5', { position: 'd.csv:6', departments: [{ code: 'B', name: 'Bee' }] }),
    ]);
    expect(r.status).toBe('completed');
    expect(r.notices).toEqual([
      {
        position: 'd.csv:3',
        field: 'department.name',
        message: 'department "A" is named "Ab" here but "Aa" at d.csv:2; the first name given ("Aa") is kept',
      },
      {
        position: 'd.csv:3',
        field: 'department.parentCode',
        message:
          'department "A" has parent "Q" here but "P" at d.csv:2; the first parent given ("P") is kept',
      },
    ]);
    const stored = await findRun(bed.store.db, r.runId);
    const report = await storedRunReport(bed.store.db, stored!);
    expect(report.notices).toEqual(r.notices);
    expect(formatReport(report)).toContain(
      'notices: 2\n    d.csv:3 department.name: department "A" is named "Ab"',
    );
    // More departments named differently than a report lists: the first are listed, the rest counted.
    const many = await run(
      Array.from({ length: 300 }, (_, i) =>
        person(String(1000 + i), {
          position: `m.csv:${i + 2}`,
          departments: [{ code: `M${Math.floor(i / 2)}`, name: `Name ${i}` }],
        }),
      ),
    );
    expect(many.notices).toHaveLength(101);
    expect(many.notices[0]).toMatchObject({ position: 'm.csv:3', field: 'department.name' });
    expect(many.notices[100]).toEqual({
      position: '',
      field: 'department',
      message: 'and 50 more departments named or placed differently by different records',
    });
    // A run without disagreement has no notices.
    const quiet = await run([person('6', { departments: [{ code: 'A', name: 'Aa' }] })]);
    expect(quiet.notices).toEqual([]);
    expect(
      (await storedRunReport(bed.store.db, (await findRun(bed.store.db, quiet.runId))!)).notices,
    ).toBeUndefined();
  });
});

describe('recording a run', () => {
  it('When the problems of a failed run cannot be stored, then the run is still recorded as failed with its message', async () => {
    const { run } = await employer();
    const db = bed.store.db;
    await db.raw(`create function refuse_rejection() returns trigger language plpgsql as $$
      begin if new.reason like '%refuse me%' then raise exception 'refused'; end if; return new; end $$`);
    await db.raw(`create trigger refuse_rejection before insert on sync_rejections
      for each row execute function refuse_rejection()`);
    try {
      async function* halfway(): AsyncIterable<MappingOutcome> {
        yield { ok: false, position: 'd.csv:2', problems: [{ field: 'gender', reason: 'refuse me' }] };
        throw new AppError('bad_request', 'the delivery ends halfway');
      }
      const r = await run([], { input: halfway() });
      expect(r.status).toBe('failed');
      expect(r.message).toBe('The run failed and nothing was applied: the delivery ends halfway');
      expect(await findRun(db, r.runId)).toMatchObject({ status: 'failed', message: r.message });
      expect(await db('sync_rejections').where({ run_id: r.runId })).toEqual([]);
    } finally {
      await db.raw(`drop trigger refuse_rejection on sync_rejections`);
      await db.raw(`drop function refuse_rejection()`);
    }
  });

  it('When a run of this process waits for its turn, then a run that completes meanwhile does not mark it abandoned', async () => {
    const { run } = await employer({ delivery: 'mutations' });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let recorded!: () => void;
    const isRecorded = new Promise<void>((resolve) => (recorded = resolve));
    const runId = randomUUID();
    const waiting = run([person('1')], {
      runId,
      turn: async (task) => {
        await gate;
        return task();
      },
      onRecorded: () => recorded(),
    });
    await isRecorded;
    expect((await run([person('2')])).status).toBe('completed');
    expect(await findRun(bed.store.db, runId)).toMatchObject({ status: 'running' });
    release();
    expect((await waiting).status).toBe('completed');
    expect(await findRun(bed.store.db, runId)).toMatchObject({ status: 'completed' });
  });

  it('When a stopped process left a run running, then the next run marks it abandoned even when that run fails', async () => {
    const { employer: e, run } = await employer();
    await run(Array.from({ length: 10 }, (_, i) => person(String(i + 1))));
    const [stale] = (await bed.store
      .db('sync_runs')
      .insert({
        employer_id: e.id,
        trigger: 'schedule',
        connector: 'csv',
        delivery: 'complete',
        status: 'running',
        // Recorded by a process that stopped a while ago (a run recorded in the same instant as the
        // next one is not taken for older).
        started_at: new Date(Date.now() - 60_000),
      })
      .returning('id')) as Array<{ id: string }>;
    expect((await run([person('1')])).status).toBe('guard_tripped');
    expect(await findRun(bed.store.db, stale!.id)).toMatchObject({
      status: 'abandoned',
      message: expect.stringMatching(/stopped before it finished/),
    });
  });

  it('When a complete delivery trips the guard, then the report counts what it would change, and nothing is applied', async () => {
    const { employer: e, run } = await employer();
    await run(Array.from({ length: 10 }, (_, i) => person(String(i + 1))));
    const before = await storedState(bed.store.db, e.id);
    const tripped = await run([person('1'), person('2', { lastName: 'Changed' }), person('11')]);
    expect(tripped.status).toBe('guard_tripped');
    expect(tripped.counts).toMatchObject({ created: 1, updated: 1, unchanged: 1, ended: 8, rowsWritten: 0 });
    expect(await findRun(bed.store.db, tripped.runId)).toMatchObject({
      counts: expect.objectContaining({ updated: 1, unchanged: 1 }),
    });
    expect(await storedState(bed.store.db, e.id)).toEqual(before);
  });
});

describe('the department tree across runs', () => {
  const tree = async (employerId: string) =>
    (
      await bed.store.db.raw(
        `select d.code, p.code as parent, d.archived_at is not null as archived
           from departments d left join departments p on p.id = d.parent_id
          where d.employer_id = ? order by d.code`,
        [employerId],
      )
    ).rows;

  it('When a mutation delivery names a department without its parent, then the department keeps its parent', async () => {
    const { employer: e, run } = await employer({ delivery: 'mutations' });
    await run([person('1', { departments: [{ code: 'REGIO' }, { code: 'D1', parentCode: 'REGIO' }] })]);
    // As a SIVI organisation unit comes: a code and a name, no parent.
    await run([person('2', { departments: [{ code: 'D1', name: 'Zorg' }] })]);
    expect(await tree(e.id)).toEqual([
      { code: 'D1', parent: 'REGIO', archived: false },
      { code: 'REGIO', parent: null, archived: false },
    ]);
  });

  it('When a held employee keeps a department no record names, then its parent is not archived either', async () => {
    const { employer: e, run } = await employer();
    await run([person('1', { departments: [{ code: 'A' }, { code: 'D1', parentCode: 'A' }] }), person('2')]);
    const r = await run([
      {
        ok: false,
        position: 'd.csv:2',
        problems: [{ field: 'postcode', reason: 'no postcode' }],
        key: { personnelNumber: '1' },
      },
      person('2', { employments: [{ departmentCode: 'D2' }], departments: [{ code: 'D2' }] }),
    ]);
    expect(r.status).toBe('completed');
    expect(await tree(e.id)).toEqual([
      { code: 'A', parent: null, archived: false },
      { code: 'D1', parent: 'A', archived: false },
      { code: 'D2', parent: null, archived: false },
    ]);
    // Once the employee is delivered elsewhere, the whole branch goes.
    await run([
      person('1', { employments: [{ departmentCode: 'D2' }], departments: [{ code: 'D2' }] }),
      person('2', { employments: [{ departmentCode: 'D2' }], departments: [{ code: 'D2' }] }),
    ]);
    expect(await tree(e.id)).toEqual([
      { code: 'A', parent: null, archived: true },
      { code: 'D1', parent: 'A', archived: true },
      { code: 'D2', parent: null, archived: false },
    ]);
  });
});
