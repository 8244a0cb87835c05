import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore, type TestStore } from '../helpers/store.js';
import { migrateLatest, migrationStatus } from '../../src/store/migrate.js';
import { upsertEmployer } from '../../src/store/employers.js';
import type { Db } from '../../src/store/db.js';

/** An employer with one employee and its employment E1 from 2024-01-01, written straight into the tables. */
async function seedEmployment(db: Db, code: string) {
  const employer = await upsertEmployer(db, { code, name: `Employer ${code}` });
  const [emp] = (await db('employees')
    .insert({ employer_id: employer.id, personnel_number: '1', last_name: 'X' })
    .returning('id')) as [{ id: string }];
  const [employment] = (await db('employments')
    .insert({ employer_id: employer.id, employee_id: emp.id, external_id: 'E1', start_date: '2024-01-01' })
    .returning('id')) as [{ id: string }];
  return { employer, emp, employment };
}

describe('store and migrations', () => {
  let store: TestStore;
  beforeAll(async () => {
    store = await createTestStore();
  });
  afterAll(() => store.close());

  it('When migrations run again on a migrated store, then nothing is applied and nothing is pending', async () => {
    expect(await migrateLatest(store.db)).toEqual([]);
    const status = await migrationStatus(store.db);
    expect(status.pending).toEqual([]);
    expect(status.applied.length).toBeGreaterThanOrEqual(2);
    expect(status.applied.every((n) => /^\d{14}_[a-z0-9_]+$/.test(n))).toBe(true);
  });

  it('When departments would form a cycle, then the store refuses it at commit', async () => {
    const employer = await upsertEmployer(store.db, { code: 'tree', name: 'Tree BV' });
    const [a] = await store
      .db('departments')
      .insert({ employer_id: employer.id, code: 'A', name: 'A' })
      .returning('id');
    const [b] = await store
      .db('departments')
      .insert({ employer_id: employer.id, code: 'B', name: 'B', parent_id: a.id })
      .returning('id');
    await expect(
      store.db.transaction(async (trx) => {
        await trx('departments').where({ id: a.id }).update({ parent_id: b.id });
      }),
    ).rejects.toMatchObject({ code: '23514' });
    await expect(
      store.db('departments').where({ id: a.id }).update({ parent_id: a.id }),
    ).rejects.toBeTruthy();
    // A legitimate swap inside one transaction passes: checks are deferred to commit.
    await store.db.transaction(async (trx) => {
      await trx('departments').where({ id: b.id }).update({ parent_id: null });
      await trx('departments').where({ id: a.id }).update({ parent_id: b.id });
    });
    expect((await store.db('departments').where({ id: a.id }).first()).parent_id).toBe(b.id);
  });

  it('When employment versions overlap, then the store refuses them', async () => {
    const { employment } = await seedEmployment(store.db, 'overlap');
    await store.db('employment_versions').insert({
      employment_id: employment.id,
      valid_from: '2024-01-01',
      valid_to: '2024-06-30',
      hours_per_week: 32,
    });
    await expect(
      store
        .db('employment_versions')
        .insert({ employment_id: employment.id, valid_from: '2024-06-01', hours_per_week: 24 }),
    ).rejects.toMatchObject({ code: '23P01' });
    await store
      .db('employment_versions')
      .insert({ employment_id: employment.id, valid_from: '2024-07-01', hours_per_week: 24 });
    const versions = await store
      .db('employment_versions')
      .where({ employment_id: employment.id })
      .orderBy('valid_from');
    expect(versions.map((v) => [v.valid_from, v.hours_per_week])).toEqual([
      ['2024-01-01', 32],
      ['2024-07-01', 24],
    ]);
  });

  it('When one statement writes versions that overlap each other, then the store refuses the statement whole', async () => {
    const { employment } = await seedEmployment(store.db, 'overlap-bulk');
    await expect(
      store.db('employment_versions').insert([
        { employment_id: employment.id, valid_from: '2024-01-01', valid_to: '2024-06-30' },
        { employment_id: employment.id, valid_from: '2024-03-01' },
      ]),
    ).rejects.toMatchObject({ code: '23P01' });
    expect(await store.db('employment_versions').where({ employment_id: employment.id })).toHaveLength(0);
  });

  it('When an employment or vault record names another employer than its employee, then the store refuses it', async () => {
    const a = await upsertEmployer(store.db, { code: 'owner-a', name: 'A BV' });
    const b = await upsertEmployer(store.db, { code: 'owner-b', name: 'B BV' });
    const [emp] = await store
      .db('employees')
      .insert({ employer_id: a.id, personnel_number: '1', last_name: 'X' })
      .returning('id');
    await expect(
      store
        .db('employments')
        .insert({ employer_id: b.id, employee_id: emp.id, external_id: 'E1', start_date: '2024-01-01' }),
    ).rejects.toMatchObject({ code: '23503' });
    await expect(
      store
        .db('employee_vault')
        .insert({ employee_id: emp.id, employer_id: b.id, ciphertext: 'x', fingerprint: 'y' }),
    ).rejects.toMatchObject({ code: '23503' });
  });

  it('When values break the schema rules, then the store refuses them', async () => {
    await expect(upsertEmployer(store.db, { code: 'bad', name: 'Bad', kvkNumber: '123' })).rejects.toThrow();
    await expect(store.db('employers').insert({ code: 'Bad Code!', name: 'x' })).rejects.toMatchObject({
      code: '23514',
    });
  });
});

describe('Employment data of an earlier release', () => {
  let store: TestStore;
  beforeAll(async () => {
    store = await createTestStore({ migratedUpTo: '20261128191000_case_versions' });
  });
  afterAll(async () => store?.close());

  it('When the store is migrated to set-based checks, then stored rows stay and the new checks hold', async () => {
    const db = store.db;
    const { employer, emp, employment } = await seedEmployment(db, 'earlier');
    const other = await upsertEmployer(db, { code: 'earlier-other', name: 'Other BV' });
    await db('employment_versions').insert({
      employment_id: employment.id,
      valid_from: '2024-01-01',
      valid_to: '2024-06-30',
    });
    await db('employee_vault').insert({
      employee_id: emp.id,
      employer_id: employer.id,
      ciphertext: 'sealed',
      fingerprint: 'f',
    });

    await migrateLatest(db);

    expect(await db('employment_versions').where({ employment_id: employment.id })).toHaveLength(1);
    expect(await db('employee_vault').where({ employee_id: emp.id })).toHaveLength(1);
    await expect(
      db('employment_versions').insert({ employment_id: employment.id, valid_from: '2024-06-01' }),
    ).rejects.toMatchObject({ code: '23P01' });
    await expect(
      db('employments').insert({
        employer_id: other.id,
        employee_id: emp.id,
        external_id: 'E2',
        start_date: '2024-01-01',
      }),
    ).rejects.toMatchObject({ code: '23503' });
  });
});

describe('Schedules and slots of an earlier release', () => {
  let store: TestStore;
  beforeAll(async () => {
    store = await createTestStore({ migratedUpTo: '20261129191000_vault_index_key_id' });
  });
  afterAll(async () => store?.close());

  it('When the store is migrated to slots that say they are running, then earlier claims are done unless released and schedules count from the last save', async () => {
    const db = store.db;
    const employer = await upsertEmployer(db, { code: 'claims-before', name: 'Claims BV' });
    const claimedAt = new Date('2026-11-28T01:30:05Z');
    await db('sync_schedule_claims').insert([
      { employer_id: employer.id, slot: '2026-11-28T01:30:00Z', instance: 'a:1', claimed_at: claimedAt },
      {
        employer_id: employer.id,
        slot: '2026-11-29T01:30:00Z',
        instance: 'a:1',
        claimed_at: claimedAt,
        released_at: claimedAt,
      },
    ]);

    const linkSaved = new Date('2026-11-27T10:00:00Z');
    await db('employer_links').insert({
      employer_id: employer.id,
      document: JSON.stringify({}),
      schedule: '30 2 * * *',
      source: 'api',
      updated_at: linkSaved,
    });

    await migrateLatest(db);

    // The schedule counts as set when the link was last saved.
    expect(await db('employer_links').where({ employer_id: employer.id }).first()).toMatchObject({
      schedule_since: linkSaved,
    });
    const claims = await db('sync_schedule_claims').where({ employer_id: employer.id }).orderBy('slot');
    expect(claims).toMatchObject([
      { beat_at: claimedAt, done_at: claimedAt, taken_over: 0 },
      { beat_at: claimedAt, done_at: null, taken_over: 0 },
    ]);
  });
});
