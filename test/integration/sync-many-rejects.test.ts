import { describe, expect, it } from 'vitest';
import { findRun } from '../../src/sync/runs.js';
import { formatReport, runReport, storedRunReport } from '../../src/sync/report.js';
import { reportedRejectsLimit } from '../../src/sync/rejects.js';
import type { MappingOutcome } from '../../src/sync/types.js';
import { partialPerson, person, syncTestStore } from '../helpers/sync.js';

/** Deliveries with a problem in (nearly) every record: a mapping that reads the wrong column, say. */

const bed = syncTestStore('many-rejects');

/** `n` records that each fail on two fields, at d.csv:2, d.csv:3, ... */
function invalid(n: number): MappingOutcome[] {
  return Array.from({ length: n }, (_, i) => ({
    ok: false as const,
    position: `d.csv:${i + 2}`,
    problems: [
      {
        field: 'vault.postcode',
        reason: 'Postcode (a protected field; value not shown) is not a Dutch postcode',
      },
      { field: 'employee.gender', reason: 'Geslacht "Q" is not a known gender code' },
    ],
  }));
}

const over = 30;
const problems = (reportedRejectsLimit + over) * 2;

describe('a delivery with more problems than a report lists', () => {
  it('When a completed run has more problems than the report lists, then all are stored with the run, the report lists the first and counts the rest', async () => {
    const { run } = await bed.employer({ guard: 1 });
    const r = await run([person('1'), ...invalid(reportedRejectsLimit + over), person('2')]);
    expect(r.status).toBe('completed');
    expect(r.counts).toMatchObject({ created: 2, rejected: reportedRejectsLimit + over });
    expect(r.rejects).toHaveLength(reportedRejectsLimit);
    expect(r.rejects[0]).toMatchObject({ position: 'd.csv:2', field: 'vault.postcode' });
    expect(r.moreRejects).toBe(problems - reportedRejectsLimit);
    expect(runReport(r).moreRejects).toBe(problems - reportedRejectsLimit);

    const stored = await bed.store.db('sync_rejections').where({ run_id: r.runId }).orderBy('id');
    expect(stored).toHaveLength(problems);
    expect(stored.at(-1)).toMatchObject({
      position: `d.csv:${reportedRejectsLimit + over + 1}`,
      field: 'employee.gender',
    });
    const report = await storedRunReport(bed.store.db, (await findRun(bed.store.db, r.runId))!);
    expect(report.rejects).toHaveLength(reportedRejectsLimit);
    expect(report.moreRejects).toBe(problems - reportedRejectsLimit);
    expect(formatReport(report)).toContain(`... and ${problems - 20} more`);
  });

  it('When a run that applies nothing has more problems than the report lists, then it stores the first ones and counts every record', async () => {
    const { run } = await bed.employer();
    await run(['1', '2', '3', '4'].map((n) => person(n)));
    // Three of four employees missing: the guard trips and the transaction is rolled back.
    const r = await run([person('1'), ...invalid(reportedRejectsLimit + over)]);
    expect(r.status).toBe('guard_tripped');
    expect(r.counts.rejected).toBe(reportedRejectsLimit + over);
    expect(r.rejects).toHaveLength(reportedRejectsLimit);
    expect(r.moreRejects).toBe(problems - reportedRejectsLimit);
    const stored = await bed.store.db('sync_rejections').where({ run_id: r.runId }).count({ n: '*' });
    expect(Number(stored[0]!.n)).toBe(reportedRejectsLimit);
    const recorded = await findRun(bed.store.db, r.runId);
    expect(recorded).toMatchObject({ status: 'guard_tripped', rejected: reportedRejectsLimit + over });
    // Its stored report says how many more there were.
    const report = await storedRunReport(bed.store.db, recorded!);
    expect(report.rejects).toHaveLength(reportedRejectsLimit);
    expect(report.moreRejects).toBe(problems - reportedRejectsLimit);
  });

  it('When every record of a delivery lacks the person data of an unknown employee, then each is quarantined and stored', async () => {
    const { run } = await bed.employer({ delivery: 'mutations' });
    const count = reportedRejectsLimit + over;
    const r = await run(Array.from({ length: count }, (_, i) => partialPerson(`p${i}`)));
    expect(r.status).toBe('completed');
    expect(r.counts.rejected).toBe(count);
    expect(r.rejects).toHaveLength(reportedRejectsLimit);
    expect(r.moreRejects).toBe(over);
    const stored = await bed.store.db('sync_rejections').where({ run_id: r.runId }).count({ n: '*' });
    expect(Number(stored[0]!.n)).toBe(count);
  });

  it('When the delivery breaks off while problems and a batch are being written, then the run is recorded as failed with its problems and nothing is applied', async () => {
    const { employer, run } = await bed.employer({ guard: 1 });
    async function* breaking(): AsyncIterable<MappingOutcome> {
      yield* invalid(3_000);
      for (let i = 1; i <= 2_500; i++) yield person(String(i));
      throw new Error('connection to the source lost');
    }
    const r = await run([], { input: breaking() });
    expect(r.status).toBe('failed');
    expect(r.counts).toMatchObject({ rejected: 3_000, problems: 6_000 });
    const recorded = await findRun(bed.store.db, r.runId);
    expect(recorded).toMatchObject({ status: 'failed', rejected: 3_000 });
    expect(await bed.store.db('employees').where({ employer_id: employer.id })).toHaveLength(0);
    const stored = await bed.store.db('sync_rejections').where({ run_id: r.runId }).count({ n: '*' });
    expect(Number(stored[0]!.n)).toBe(6_000);
  });

  it('When many records share one key, then each reason names the first five positions and counts the rest', async () => {
    const { run } = await bed.employer();
    const positions = 'd.csv:2, d.csv:3, d.csv:4, d.csv:5, d.csv:6 and 3 more';
    const same = Array.from({ length: 8 }, (_, i) =>
      person('7', { lastName: `Naam ${i}`, position: `d.csv:${i + 2}` }),
    );
    const people = Array.from({ length: 8 }, (_, i) =>
      person('8', {
        lastName: `Naam ${i}`,
        position: `d.csv:${i + 2}`,
        employments: [{ externalId: `8-${i}` }],
      }),
    );
    const r = await run([person('1'), ...same]);
    expect(r.counts).toMatchObject({ created: 1, rejected: 8 });
    expect(new Set(r.rejects.map((x) => x.reason))).toEqual(
      new Set([
        `employment 7-1 appears more than once in this delivery (at ${positions}); all these records are left out`,
      ]),
    );
    const p = await run([person('1'), ...people]);
    expect(p.counts).toMatchObject({ rejected: 8 });
    expect(new Set(p.rejects.map((x) => x.reason))).toEqual(
      new Set([
        `personnel number 8 appears more than once in this delivery (at ${positions}) with different person data; ` +
          'all these records are left out',
      ]),
    );
  });
});
