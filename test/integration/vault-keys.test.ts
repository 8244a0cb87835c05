import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore, testVaultKeys, type TestStore } from '../helpers/store.js';
import { seedEmployee, seedEmployer } from '../helpers/absence.js';
import { Vault } from '../../src/vault/vault.js';

/** An employer's first data key, made inside a transaction that does not commit. */

let store: TestStore;
beforeAll(async () => {
  store = await createTestStore();
});
afterAll(() => store.close());

describe('vault data keys', () => {
  it("When the transaction that made an employer's first key rolls back, then the next seal uses a key the store has", async () => {
    const keys = testVaultKeys();
    const vault = new Vault(store.db, keys);
    const { employerId } = await seedEmployer(store.db);
    const { employeeId } = await seedEmployee(store.db, { employerId });
    await expect(
      store.db.transaction(async (trx) => {
        await vault.store(employerId, employeeId, { bsn: '999996708' }, trx);
        throw new Error('a later step of the same request failed');
      }),
    ).rejects.toThrow('a later step');
    expect(await store.db('vault_keys').where({ employer_id: employerId })).toEqual([]);
    await vault.store(employerId, employeeId, { bsn: '123456782' });
    // Another process (or this one after a restart) reads it with the keys from the store alone.
    const fresh = new Vault(store.db, keys);
    expect(await fresh.read(employeeId, { actorType: 'system', purpose: 'test' })).toMatchObject({
      bsn: '123456782',
    });
  });
});
