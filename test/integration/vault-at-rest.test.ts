import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore, testVault, type TestStore } from '../helpers/store.js';
import { upsertEmployer } from '../../src/store/employers.js';
import { createEmployee } from '../../src/store/employees.js';
import type { Vault } from '../../src/vault/vault.js';

/** Every text-like column of every table in the current schema, as text. */
async function dumpAllText(store: TestStore): Promise<string> {
  const schema = store.schema ?? 'public';
  const { rows: columns } = await store.db.raw(
    `select table_name, column_name from information_schema.columns
     where table_schema = ? and data_type in ('text', 'character varying', 'character', 'jsonb', 'json', 'bytea', 'ARRAY')`,
    [schema],
  );
  let dump = '';
  for (const c of columns as Array<{ table_name: string; column_name: string }>) {
    const { rows } = await store.db.raw(`select ??::text as v from ??`, [c.column_name, c.table_name]);
    dump += (rows as Array<{ v: string | null }>).map((r) => r.v ?? '').join('\n') + '\n';
  }
  return dump;
}

describe('vault data at rest', () => {
  let store: TestStore;
  let vault: Vault;
  let employeeId: string;
  let employerId: string;

  beforeAll(async () => {
    store = await createTestStore();
    vault = testVault(store);
    const employer = await upsertEmployer(store.db, { code: 'acme', name: 'Acme BV', kvkNumber: '12345678' });
    employerId = employer.id;
    const employee = await createEmployee(
      store.db,
      vault,
      employer.id,
      {
        personnelNumber: 'P-1',
        initials: 'J.',
        namePrefix: 'van der',
        lastName: 'Berg',
        gender: 'V',
        birthDate: '1980-02-29',
      },
      {
        bsn: '999996708',
        legalFirstNames: 'Johanna Wilhelmina',
        legalLastName: 'Berg',
        street: 'Zonnebloemstraat',
        houseNumber: '17',
        houseNumberSuffix: 'bis',
        postcode: '3512 JE',
        town: 'Gouderak',
        phoneNumbers: ['+31 6 98765432'],
        emailAddresses: ['johanna@voorbeeld.nl'],
        ibans: ['NL91ABNA0417164300'],
      },
    );
    employeeId = employee.id;
  });
  afterAll(() => store.close());

  it('When an employee with BSN and address is stored, then no text column of any table holds them in clear', async () => {
    const dump = await dumpAllText(store);
    expect(dump).toContain('Berg'); // the display name may stay in the clear: proves the dump reads data
    for (const secret of [
      '999996708',
      'Zonnebloemstraat',
      '3512JE',
      '3512 JE',
      'Gouderak',
      'Johanna Wilhelmina',
      '98765432',
      'johanna@voorbeeld.nl',
      'NL91ABNA0417164300',
    ]) {
      expect(dump).not.toContain(secret);
    }
  });

  it('When the vault is read, then the fields come back and the read is on the audit trail', async () => {
    const fields = await vault.read(employeeId, { actorType: 'system', purpose: 'test' });
    expect(fields).toMatchObject({ bsn: '999996708', postcode: '3512JE', town: 'Gouderak' });
    const audit = await store.db('audit_events').where({ action: 'vault.read', entity_id: employeeId });
    expect(audit).toHaveLength(1);
    expect(JSON.stringify(audit)).not.toContain('999996708');
  });

  it('When searching by BSN, then the blind index finds the employee only at its own employer', async () => {
    expect(await vault.findEmployeesByBsn(employerId, '999996708')).toEqual([employeeId]);
    expect(await vault.findEmployeesByBsn(employerId, '123456782')).toEqual([]);
    const other = await upsertEmployer(store.db, { code: 'other', name: 'Other BV' });
    expect(await vault.findEmployeesByBsn(other.id, '999996708')).toEqual([]);
  });

  it('When the master key differs from the one that wrapped the data keys, then reading is refused', async () => {
    const otherVault = testVault(store);
    await expect(otherVault.read(employeeId, { actorType: 'system', purpose: 'test' })).rejects.toThrow(
      /master key/,
    );
  });

  it('When the ciphertext of one employee is copied onto another, then it does not decrypt', async () => {
    const second = await createEmployee(
      store.db,
      vault,
      employerId,
      { personnelNumber: 'P-2', lastName: 'Jansen' },
      { bsn: '123456782' },
    );
    const { ciphertext } = await store.db('employee_vault').where({ employee_id: employeeId }).first();
    await store.db('employee_vault').where({ employee_id: second.id }).update({ ciphertext });
    await expect(testVaultRead(vault, second.id)).rejects.toThrow();
  });
});

function testVaultRead(vault: Vault, id: string) {
  return vault.read(id, { actorType: 'system', purpose: 'test' });
}
