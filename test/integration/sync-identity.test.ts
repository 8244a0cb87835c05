import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore, testVault, type TestStore } from '../helpers/store.js';
import { person, storedState, syncRunner, testLink } from '../helpers/sync.js';
import type { Link } from '../../src/sync/link.js';
import type { Vault } from '../../src/vault/vault.js';

let store: TestStore;
let vault: Vault;
let seq = 0;

beforeAll(async () => {
  store = await createTestStore();
  vault = testVault(store);
});
afterAll(() => store.close());

async function employer(overrides: Partial<Link> = {}) {
  seq += 1;
  return syncRunner(store, vault, testLink(`identity-${seq}`, overrides));
}

describe('employment identity', () => {
  it.each(['complete', 'mutations'] as const)(
    'When a %s delivery gives a stored employment to another personnel number, then that record is refused and both people stay as stored',
    async (delivery) => {
      const { employer: e, run } = await employer({ delivery });
      await run([person('2001', { employments: [{ externalId: 'DV-X' }] }), person('3'), person('4')]);
      const { audit: _, ...before } = await storedState(store.db, e.id);
      const r = await run([
        person('2002', { employments: [{ externalId: 'DV-X' }], position: 'delivery.csv:2' }),
        person('3'),
        person('4'),
      ]);
      expect(r.status).toBe('completed');
      expect(r.counts).toMatchObject({ created: 0, ended: 0, rejected: 1, rowsWritten: 0 });
      expect(r.rejects).toEqual([
        {
          position: 'delivery.csv:2',
          field: 'externalId',
          reason:
            'employment DV-X is stored for personnel number 2001, not for 2002: an employment never moves to another person, so this record is left out and the stored employee kept as is. Deliver the person under the personnel number they have, or give the employment a new id',
        },
      ]);
      const { audit, ...after } = await storedState(store.db, e.id);
      expect(after).toEqual(before);
      expect(audit.at(-1)).toMatchObject({ action: 'sync.completed' });
    },
  );

  it('When the stored owner is delivered too, without that employment, then the employment is not ended for being absent', async () => {
    const { employer: e, run } = await employer();
    await run([
      person('2001', { employments: [{ externalId: 'DV-X' }, { externalId: 'DV-Y' }] }),
      person('3'),
      person('4'),
    ]);
    const r = await run([
      person('2001', { employments: [{ externalId: 'DV-Y' }] }),
      person('2002', { employments: [{ externalId: 'DV-X' }] }),
      person('3'),
      person('4'),
    ]);
    expect(r.counts).toMatchObject({ created: 0, ended: 0, rejected: 1 });
    const open = await store
      .db('employments')
      .where({ employer_id: e.id })
      .whereIn('external_id', ['DV-X', 'DV-Y'])
      .orderBy('external_id')
      .select('external_id', 'end_date');
    expect(open).toEqual([
      { external_id: 'DV-X', end_date: null },
      { external_id: 'DV-Y', end_date: null },
    ]);
  });
});
