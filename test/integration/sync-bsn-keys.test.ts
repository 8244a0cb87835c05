import { describe, expect, it } from 'vitest';
import { bsns, person, syncTestStore } from '../helpers/sync.js';

/** A personnel number or source id that is a BSN: never stored, as a BSN is never a key. */

const bed = syncTestStore('bsn-keys');

const employer = bed.employer;

describe('a BSN as a key', () => {
  it('When a personnel number or source id is a BSN the vault holds, then the record is rejected without showing it', async () => {
    const { employer: e, run } = await employer({ delivery: 'mutations' });
    await run([person('1', { bsn: bsns[0] })]);
    const asNumber = person(bsns[0]!, { position: 'd.csv:2' });
    const asSourceId = person('3', { position: 'd.csv:3' });
    if (asSourceId.ok) asSourceId.candidate.employee.remoteId = bsns[0];
    const r = await run([asNumber, asSourceId, person('4')]);
    expect(r.status).toBe('completed');
    expect(r.counts).toMatchObject({ created: 1, rejected: 2 });
    expect(r.rejects.map((x) => [x.position, x.field])).toEqual([
      ['d.csv:2', 'personnelNumber'],
      ['d.csv:3', 'remoteId'],
    ]);
    expect(r.rejects[0]!.reason).toBe(
      'personnel number is a BSN the vault holds for an employee (value not shown): a BSN is never a key and never stored in clear; deliver the personnel number the source system gives the person',
    );
    const stored = JSON.stringify(await bed.store.db('employees').where({ employer_id: e.id }));
    expect(stored).not.toContain(bsns[0]);
    expect(JSON.stringify(await bed.store.db('sync_rejections').where({ run_id: r.runId }))).not.toContain(
      bsns[0],
    );
  });

  it('When a key is the BSN another record of the same first delivery gives, then that record is rejected', async () => {
    const { employer: e, run } = await employer();
    const asSourceId = person('3', { position: 'd.csv:4' });
    if (asSourceId.ok) asSourceId.candidate.employee.remoteId = bsns[1];
    const r = await run([
      person('1', { bsn: bsns[1] }),
      person(bsns[1]!, { position: 'd.csv:3' }),
      asSourceId,
    ]);
    expect(r.counts).toMatchObject({ created: 1, rejected: 2 });
    expect(r.rejects.map((x) => [x.position, x.field])).toEqual([
      ['d.csv:3', 'personnelNumber'],
      ['d.csv:4', 'remoteId'],
    ]);
    expect(r.rejects[0]!.reason).toMatch(
      /^personnel number is the BSN another record of this delivery gives \(value not shown\)/,
    );
    expect(JSON.stringify(await bed.store.db('employees').where({ employer_id: e.id }))).not.toContain(
      bsns[1],
    );
  });

  it('When an employment id is a BSN the vault holds or another record gives, then that record is rejected without showing it', async () => {
    const { employer: e, run } = await employer({ delivery: 'mutations' });
    await run([person('1', { bsn: bsns[2] })]);
    const withId = (nr: string, id: string, position: string) => {
      const p = person(nr, { position });
      if (p.ok) p.candidate.employments[0]!.externalId = id;
      return p;
    };
    const r = await run([
      withId('2', bsns[2]!, 'd.csv:2'),
      person('3', { bsn: bsns[3], position: 'd.csv:3' }),
      withId('4', bsns[3]!, 'd.csv:4'),
      person('5', { position: 'd.csv:5' }),
    ]);
    expect(r.counts).toMatchObject({ created: 2, rejected: 2 });
    expect(r.rejects).toEqual([
      {
        position: 'd.csv:2',
        field: 'employments[1].externalId',
        reason:
          'employment id is a BSN the vault holds for an employee (value not shown): a BSN is never a key and never stored in clear; deliver the employment id the source system gives the employment',
      },
      {
        position: 'd.csv:4',
        field: 'employments[1].externalId',
        reason: expect.stringMatching(
          /^employment id is the BSN another record of this delivery gives \(value not shown\).* gives the employment$/,
        ),
      },
    ]);
    const stored = JSON.stringify(await bed.store.db('employments').where({ employer_id: e.id }));
    for (const bsn of [bsns[2]!, bsns[3]!]) expect(stored).not.toContain(bsn);
  });
});
