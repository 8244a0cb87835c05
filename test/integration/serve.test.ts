import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService } from '../helpers/process.js';
import { openStore } from '../../src/store/db.js';
import { lockFileName } from '../../src/store/lock.js';
import { testDatabaseUrl, testStoreKind } from '../helpers/store.js';

/** `koppeling serve` as a user starts it: a fresh data folder (or database schema), then a restart. */
describe('koppeling serve', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'koppeling-serve-'));
  const schema = `serve_${randomBytes(4).toString('hex')}`;
  const env: NodeJS.ProcessEnv = {
    KOPPELING_DATA_DIR: dataDir,
    KOPPELING_ADMIN_TOKEN: '',
    KOPPELING_SCHEDULER: 'on',
    LOG_LEVEL: 'info',
  };
  let token: string | undefined;

  beforeAll(async () => {
    if (testStoreKind === 'postgres') {
      const admin = openStore({ databaseUrl: testDatabaseUrl });
      await admin.db.raw(`create schema "${schema}"`);
      await admin.close();
      env.DATABASE_URL = `${testDatabaseUrl}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    }
  });
  afterAll(async () => {
    rmSync(dataDir, { recursive: true, force: true });
    if (testStoreKind === 'postgres') {
      const admin = openStore({ databaseUrl: testDatabaseUrl });
      await admin.db.raw(`drop schema if exists "${schema}" cascade`);
      await admin.close();
    }
  });

  it('When started on a fresh store, then it migrates, prints one token and where it listens, answers /health, and stops on SIGTERM', async () => {
    const service = await startService(env);
    try {
      const health = await fetch(`${service.url}/health`);
      expect(health.status).toBe(200);
      expect(service.output()).toMatch(new RegExp(`store: ${testStoreKind}`));
      expect(service.output()).toMatch(/migrations applied/);
      token = /Operator token[^\n]*\n\s+(kop_\S+)/.exec(service.output())?.[1];
      expect(token).toBeTruthy();
      const ready = await fetch(`${service.url}/ready`);
      expect(ready.status).toBe(200);
      const employers = await fetch(`${service.url}/api/v1/employers`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(employers.status).toBe(200);
      expect((await fetch(`${service.url}/api/v1/employers`)).status).toBe(401);
    } finally {
      expect(await service.stop('SIGTERM')).toBe(143);
    }
    if (testStoreKind === 'pglite') expect(existsSync(join(dataDir, lockFileName))).toBe(false);
  });

  it('When started again on the same store, then it keeps the data, applies nothing, prints no new token and stops on SIGINT', async () => {
    const service = await startService(env);
    try {
      expect(service.output()).not.toMatch(/Operator token/);
      expect(service.output()).not.toMatch(/migrations applied/);
      expect((await fetch(`${service.url}/ready`)).status).toBe(200);
      // The token generated on the first start still works: the data survived the restart.
      const employers = await fetch(`${service.url}/api/v1/employers`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(employers.status).toBe(200);
    } finally {
      expect(await service.stop('SIGINT')).toBe(130);
    }
    if (testStoreKind === 'pglite') expect(existsSync(join(dataDir, lockFileName))).toBe(false);
  });
});
