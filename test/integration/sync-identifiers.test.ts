import { describe, expect, it } from 'vitest';
import { bsns, person, syncTestStore } from '../helpers/sync.js';
import type { MappingOutcome } from '../../src/sync/types.js';

/**
 * The identifier a link does not key on (the personnel number on a link keyed on the source id, and
 * the other way round) belongs to one employee too: clashes are rejected records, never a failed run.
 */

const bed = syncTestStore('identifiers');

/** A person with source id `remoteId`, personnel number `nr` and employment `E-<remoteId>`. */
function sourced(nr: string, remoteId: string, overrides: Parameters<typeof person>[1] = {}): MappingOutcome {
  const p = person(nr, {
    employments: [{ externalId: `E-${remoteId}` }],
    position: `d.csv:${remoteId}`,
    ...overrides,
  });
  if (p.ok) p.candidate.employee.remoteId = remoteId;
  return p;
}

const numbers = async (employerId: string) =>
  (
    (await bed.store.db('employees').where({ employer_id: employerId }).orderBy('remote_id')) as Array<{
      remote_id: string;
      personnel_number: string;
    }>
  ).map((e) => [e.remote_id, e.personnel_number]);

describe('personnel numbers on a link keyed on the source id', () => {
  it('When two people of a delivery have the same personnel number, then both are rejected and the rest continues', async () => {
    const { employer, run } = await bed.employer({ key: 'externalId' });
    const r = await run([sourced('100', 'R1'), sourced('100', 'R2'), sourced('300', 'R3')]);
    expect(r.status).toBe('completed');
    expect(r.counts).toMatchObject({ created: 1, rejected: 2 });
    expect(r.rejects).toEqual(
      ['R1', 'R2'].map((id) => ({
        position: `d.csv:${id}`,
        field: 'personnelNumber',
        reason:
          'personnel number 100 is given to more than one person in this delivery (at d.csv:R1, d.csv:R2); all these records are left out',
      })),
    );
    expect(await numbers(employer.id)).toEqual([['R3', '300']]);
  });

  it('When two stored employees swap personnel numbers, then the run applies the swap', async () => {
    const { employer, run } = await bed.employer({ key: 'externalId' });
    await run([sourced('100', 'R1'), sourced('200', 'R2')]);
    const r = await run([sourced('200', 'R1'), sourced('100', 'R2')]);
    expect(r.status).toBe('completed');
    expect(r.counts).toMatchObject({ updated: 2, rejected: 0 });
    expect(await numbers(employer.id)).toEqual([
      ['R1', '200'],
      ['R2', '100'],
    ]);
  });

  it('When a new person has the personnel number of an employee in service who keeps it, then that record is rejected', async () => {
    const { employer, run } = await bed.employer({ key: 'externalId', delivery: 'mutations' });
    await run([sourced('100', 'R1')]);
    const r = await run([sourced('100', 'R2'), sourced('300', 'R3')]);
    expect(r.status).toBe('completed');
    expect(r.rejects).toEqual([
      {
        position: 'd.csv:R2',
        field: 'personnelNumber',
        reason:
          'personnel number 100 is stored for the employee with source id R1, who keeps it; it belongs to one person, ' +
          'so this record is left out. Deliver that employee with their new personnel number first, or correct it at the source',
      },
    ]);
    expect(await numbers(employer.id)).toEqual([
      ['R1', '100'],
      ['R3', '300'],
    ]);
  });

  it('When the employee who would give up a number is left out of the delivery, then the record taking it is left out too', async () => {
    const { employer, run } = await bed.employer({ key: 'externalId', delivery: 'mutations' });
    await run([sourced('100', 'R1'), sourced('200', 'R2')]);
    // R1 moves to 200 and R2 to 100, but R1's record is rejected (its BSN fails the 11-check): R1
    // keeps 100, so R2 cannot have it, and R2 keeps 200.
    const r = await run([sourced('200', 'R1', { bsn: '123456789' }), sourced('100', 'R2')]);
    expect(r.status).toBe('completed');
    expect(r.rejects.map((x) => [x.position, x.field])).toEqual([
      ['d.csv:R1', 'vault.bsn'],
      ['d.csv:R2', 'personnelNumber'],
    ]);
    expect(await numbers(employer.id)).toEqual([
      ['R1', '100'],
      ['R2', '200'],
    ]);
  });

  it('When a new person has the personnel number of an employee no longer in service, then that employee gives it up and keeps it with its source id', async () => {
    const { employer, run } = await bed.employer({ key: 'externalId', delivery: 'mutations' });
    await run([sourced('100', 'R1', { employments: [{ externalId: 'E-R1', endDate: '2024-12-31' }] })]);
    const r = await run([sourced('100', 'R2', { bsn: bsns[1] })]);
    expect(r.status).toBe('completed');
    expect(r.rejects).toEqual([]);
    expect(await numbers(employer.id)).toEqual([
      ['R1', '100/R1'],
      ['R2', '100'],
    ]);
    expect(r.notices).toEqual([
      {
        position: 'd.csv:R2',
        field: 'employee.personnelNumber',
        message:
          'personnel number 100 is delivered for source id R2; the employee with source id R1, no longer in service, ' +
          'had it and keeps it as 100/R1',
      },
    ]);
    const audit = await bed.store.db('audit_events').where({
      employer_id: employer.id,
      action: 'employee.personnel_number_released',
    });
    expect(audit.map((a: { details: unknown }) => a.details)).toEqual([
      { runId: r.runId, personnelNumber: '100', keptAs: '100/R1', givenTo: 'R2' },
    ]);
    const again = await run([sourced('100', 'R2', { bsn: bsns[1] })]);
    expect(again.counts).toMatchObject({ rowsWritten: 0 });
    expect(again.notices).toEqual([]);
  });
});

describe('source ids on a link keyed on the personnel number', () => {
  const own = (nr: string, remoteId: string) =>
    sourced(nr, remoteId, { employments: [{ externalId: `E-${nr}` }], position: `d.csv:${nr}` });

  it('When two people of a delivery have the same source id, then both are rejected and the rest continues', async () => {
    const { run } = await bed.employer();
    const r = await run([own('1', 'X'), own('2', 'X'), own('3', 'Y')]);
    expect(r.status).toBe('completed');
    expect(r.counts).toMatchObject({ created: 1, rejected: 2 });
    expect(r.rejects.map((x) => [x.position, x.field])).toEqual([
      ['d.csv:1', 'remoteId'],
      ['d.csv:2', 'remoteId'],
    ]);
    expect(r.rejects[0]!.reason).toBe(
      'source id X is given to more than one person in this delivery (at d.csv:1, d.csv:2); all these records are left out',
    );
  });

  it('When a new person with a source id is delivered on two lines (two employments), then that is one person, not a clash', async () => {
    const { employer, run } = await bed.employer();
    const line = (ext: string) =>
      sourced('5', 'X5', { employments: [{ externalId: ext }], position: `d.csv:${ext}` });
    const r = await run([line('E-5a'), line('E-5b')]);
    expect(r.rejects).toEqual([]);
    expect(r.counts).toMatchObject({ created: 1 });
    expect(await bed.store.db('employments').where({ employer_id: employer.id })).toHaveLength(2);
  });

  it('When two stored employees swap source ids, then the run applies the swap', async () => {
    const { employer, run } = await bed.employer();
    await run([own('1', 'X'), own('2', 'Y')]);
    const r = await run([own('1', 'Y'), own('2', 'X')]);
    expect(r.status).toBe('completed');
    expect(r.counts).toMatchObject({ updated: 2, rejected: 0 });
    const stored = (await bed.store
      .db('employees')
      .where({ employer_id: employer.id })
      .orderBy('personnel_number')) as Array<{ personnel_number: string; remote_id: string }>;
    expect(stored.map((e) => [e.personnel_number, e.remote_id])).toEqual([
      ['1', 'Y'],
      ['2', 'X'],
    ]);
  });
});
