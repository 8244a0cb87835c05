import { randomBytes } from 'node:crypto';
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

  it('When the service starts with another index key than the stored data was made with, then the vault refuses to work', async () => {
    const keys = testVaultKeys();
    const { employerId } = await seedEmployer(store.db);
    const { employeeId } = await seedEmployee(store.db, { employerId });
    await new Vault(store.db, keys).store(employerId, employeeId, { bsn: '999996708' });
    const otherIndex = new Vault(store.db, { ...keys, index: randomBytes(32) });
    await expect(otherIndex.dataKey(employerId)).rejects.toThrow(
      /index key does not match the key the stored BSN indexes and fingerprints were made with/,
    );
    // A key stored before index keys were recorded takes the one in use, and holds it from then on.
    await store.db('vault_keys').where({ employer_id: employerId }).update({ index_key_id: null });
    await new Vault(store.db, keys).dataKey(employerId);
    await expect(
      new Vault(store.db, { ...keys, index: randomBytes(32) }).dataKey(employerId),
    ).rejects.toThrow(/index key does not match/);
    expect(await new Vault(store.db, keys).findEmployeesByBsn(employerId, '999996708')).toEqual([employeeId]);
  });
});
