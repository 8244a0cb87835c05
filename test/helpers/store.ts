import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { inject } from 'vitest';
import { openStore, type Store } from '../../src/store/db.js';
import { migrateLatest, migrationStatus } from '../../src/store/migrate.js';
import { Vault } from '../../src/vault/vault.js';
import { keyIdOf } from '../../src/vault/crypto.js';
import type { VaultKeys } from '../../src/vault/keys.js';
import type { Config } from '../../src/config.js';

/** `npm test` runs the store suites on PGlite; `npm run test:pg` sets KOPPELING_TEST_STORE=postgres. */
export const testStoreKind: 'pglite' | 'postgres' =
  process.env.KOPPELING_TEST_STORE === 'postgres' ? 'postgres' : 'pglite';
export const testDatabaseUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestStore extends Store {
  /** The PostgreSQL schema this suite owns (postgres only). */
  schema?: string;
}

/** Applies migrations one by one until `name` is applied (a store as an earlier release left it). */
async function migrateUpTo(store: Store, name: string): Promise<void> {
  while (!(await migrationStatus(store.db)).applied.includes(name)) await store.db.migrate.up();
}

/**
 * A migrated store of its own for one test file: an in-memory PGlite database, or a fresh schema
 * in the test PostgreSQL database that is dropped again on close, so parallel runs never collide.
 * With `migratedUpTo` the store holds only the migrations up to that one (for migration tests).
 */
export async function createTestStore(options: { migratedUpTo?: string } = {}): Promise<TestStore> {
  const migrate = (store: Store) =>
    options.migratedUpTo ? migrateUpTo(store, options.migratedUpTo) : migrateLatest(store.db);
  if (testStoreKind === 'pglite') {
    const imageFile = inject('pgliteImage');
    const image =
      !options.migratedUpTo && imageFile && existsSync(imageFile)
        ? new Blob([readFileSync(imageFile)])
        : undefined;
    const store = openStore({ pgliteImage: image });
    // Applies anything the image lacks (and proves the image is current).
    await migrate(store);
    return store;
  }
  const schema = `t_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = openStore({ databaseUrl: testDatabaseUrl, poolMax: 1 });
  await admin.db.raw(`create schema "${schema}"`);
  await admin.close();
  const store = openStore({ databaseUrl: testDatabaseUrl, schema, poolMax: 5 });
  await migrate(store);
  return {
    ...store,
    schema,
    close: async () => {
      await store.db.raw(`drop schema "${schema}" cascade`);
      await store.close();
    },
  };
}

export function testVaultKeys(): VaultKeys {
  const master = randomBytes(32);
  return { master, masterId: keyIdOf(master), index: randomBytes(32) };
}

export function testVault(store: Store, keys: VaultKeys = testVaultKeys()): Vault {
  return new Vault(store.db, keys);
}

export function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    env: 'test',
    port: 0,
    host: '127.0.0.1',
    dataDir: '/tmp/koppeling-test',
    databasePoolMax: 5,
    adminToken: 'test-operator-token-0123456789abcdef',
    logLevel: 'error',
    logFormat: 'json',
    bodyLimit: '1mb',
    uploadLimitMb: 2048,
    scheduler: 'off',
    timezone: 'Europe/Amsterdam',
    publicUrl: 'http://localhost:3000',
    mailFrom: 'Koppeling <noreply@localhost>',
    sessionHours: 12,
    sessionIdleMinutes: 30,
    linkHours: 24,
    loginMaxFailures: 5,
    loginLockMinutes: 15,
    // Cheap in tests; production uses the configured (default 32768) cost through the same code.
    scryptCost: 1024,
    heapGrowthPercent: 50,
    syncConcurrency: 2,
    sourceRoots: [],
    ...overrides,
  };
}
