import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/db.js';
import { csvRow, writeCsvDelivery } from '../helpers/csv-delivery.js';
import { startService } from '../helpers/process.js';
import { testDatabaseUrl, testStoreKind } from '../helpers/store.js';

const stopped =
  'The run was stopped by SIGTERM and nothing was applied; the next run reads the delivery again.';

/** `koppeling serve` on PostgreSQL stopped while one sync run waits in a statement and another for its turn. */
describe.runIf(testStoreKind === 'postgres')('koppeling serve stopped while sync runs go', () => {
  const dir = mkdtempSync(join(tmpdir(), 'koppeling-serve-stop-'));
  const schema = `serve_stop_${randomBytes(4).toString('hex')}`;
  const token = `kop_${randomBytes(24).toString('hex')}`;
  const delivery = join(dir, 'delivery.csv');
  const env: NodeJS.ProcessEnv = {
    KOPPELING_DATA_DIR: join(dir, 'data'),
    KOPPELING_ADMIN_TOKEN: token,
    KOPPELING_SCHEDULER: 'off',
    // One run at a time: the second waits for the first one's turn.
    KOPPELING_SYNC_CONCURRENCY: '1',
    DATABASE_URL: `${testDatabaseUrl}?options=${encodeURIComponent(`-c search_path=${schema}`)}`,
  };

  beforeAll(async () => {
    const admin = openStore({ databaseUrl: testDatabaseUrl });
    await admin.db.raw(`create schema "${schema}"`);
    await admin.close();
    writeCsvDelivery(
      delivery,
      Array.from({ length: 50 }, (_, i) => csvRow(String(i + 1))),
    );
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    const admin = openStore({ databaseUrl: testDatabaseUrl });
    await admin.db.raw(`drop schema if exists "${schema}" cascade`);
    await admin.close();
  });

  it('When it gets SIGTERM, then the statement under way is cancelled, the waiting run does not hold that up, and both are recorded as stopped', async () => {
    const service = await startService(env);
    const api = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${service.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const holder = new pg.Client({ connectionString: testDatabaseUrl });
    await holder.connect();
    let exited = false;
    try {
      for (const code of ['stop-a', 'stop-b']) {
        const put = await api('PUT', `/api/v1/employers/${code}/link`, {
          employer: { code, name: `${code} BV` },
          connector: 'csv',
          source: { file: delivery },
          mapping: 'mappings/csv-standard.yaml',
          delivery: 'complete',
        });
        expect(put.status).toBe(200);
      }
      // Another session holds the departments table: the first run's plan waits for it.
      await holder.query('begin');
      await holder.query(`lock table "${schema}".departments in access exclusive mode`);
      const holderPid = ((await holder.query('select pg_backend_pid() as pid')).rows[0] as { pid: number })
        .pid;
      const first = await api('POST', '/api/v1/employers/stop-a/sync-runs');
      expect(first.status).toBe(202);
      const waiting = async () =>
        Number(
          (
            (await holder.query(
              `select count(*) as n from pg_stat_activity where $1 = any(pg_blocking_pids(pid))`,
              [holderPid],
            )) as { rows: Array<{ n: string }> }
          ).rows[0]!.n,
        );
      await expect.poll(waiting, { timeout: 60_000, interval: 200 }).toBe(1);
      const second = await api('POST', '/api/v1/employers/stop-b/sync-runs');
      expect(second.status).toBe(202);

      // It ends while the table is still held: nothing waits for the held statement.
      expect(await service.stop('SIGTERM')).toBe(143);
      exited = true;
      await holder.query('rollback');
      const runs = await holder.query(
        `select r.status, r.message from "${schema}".sync_runs r where r.id = any($1::uuid[]) order by r.started_at`,
        [[first.body.runId, second.body.runId]],
      );
      expect(runs.rows).toEqual([
        { status: 'failed', message: stopped },
        { status: 'failed', message: stopped },
      ]);
    } finally {
      if (!exited) await service.stop('SIGKILL');
      await holder.end();
    }
  }, 120_000);
});
