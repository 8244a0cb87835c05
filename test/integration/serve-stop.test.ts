import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/db.js';
import { migrateLatest } from '../../src/store/migrate.js';
import { saveLink } from '../../src/store/links.js';
import { csvRow, writeCsvDelivery } from '../helpers/csv-delivery.js';
import { exitStatus, spawnKoppeling, startService } from '../helpers/process.js';
import { testDatabaseUrl, testStoreKind } from '../helpers/store.js';
import { scheduledFolderLink } from '../helpers/sync.js';

const stopped =
  'The run was stopped by SIGTERM and nothing was applied; the next run reads the delivery again.';

/** How many sessions wait for a lock the session `pid` holds (asked by `holder`, in its transaction). */
async function blockedBy(holder: pg.Client, pid: number): Promise<number> {
  // The activity a transaction reads stays what it was at its first look, unless cleared.
  await holder.query('select pg_stat_clear_snapshot()');
  const res = await holder.query<{ n: string }>(
    `select count(*) as n from pg_stat_activity where $1 = any(pg_blocking_pids(pid))`,
    [pid],
  );
  return Number(res.rows[0]!.n);
}

/** The exit status of a stopped service, or `running` when it has not ended within `ms`. */
async function endsWithin(stop: Promise<number>, ms: number): Promise<number | 'running'> {
  let timer: NodeJS.Timeout | undefined;
  const running = new Promise<'running'>((resolve) => (timer = setTimeout(() => resolve('running'), ms)));
  try {
    return await Promise.race([stop, running]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A migrated store for a service started as a process: a schema of its own on PostgreSQL, a data
 * folder on the embedded store (closed again before the service opens it). `env` reaches that store.
 */
function serviceStore(dir: string): {
  schema: string;
  env: NodeJS.ProcessEnv;
  open: () => Promise<Store>;
  drop: () => Promise<void>;
} {
  const schema = `serve_store_${randomBytes(4).toString('hex')}`;
  const dataDir = join(dir, 'data');
  if (testStoreKind === 'pglite') {
    return {
      schema,
      env: { KOPPELING_DATA_DIR: dataDir },
      open: async () => {
        const store = openStore({ dataDir });
        await migrateLatest(store.db);
        return store;
      },
      drop: async () => undefined,
    };
  }
  let created = false;
  return {
    schema,
    env: {
      KOPPELING_DATA_DIR: dataDir,
      DATABASE_URL: `${testDatabaseUrl}?options=${encodeURIComponent(`-c search_path=${schema}`)}`,
    },
    open: async () => {
      if (!created) {
        const admin = openStore({ databaseUrl: testDatabaseUrl });
        await admin.db.raw(`create schema "${schema}"`);
        await admin.close();
        created = true;
      }
      const store = openStore({ databaseUrl: testDatabaseUrl, schema, poolMax: 2 });
      await migrateLatest(store.db);
      return store;
    },
    drop: async () => {
      const admin = openStore({ databaseUrl: testDatabaseUrl });
      await admin.db.raw(`drop schema if exists "${schema}" cascade`);
      await admin.close();
    },
  };
}

/** A scheduled link reading a folder of its own with one delivery waiting; its schedule set `sinceHours` ago. */
async function scheduledWithDelivery(
  store: Store,
  dir: string,
  code: string,
  sinceHours = 0,
): Promise<string> {
  const folder = join(dir, code);
  mkdirSync(folder, { recursive: true });
  writeCsvDelivery(
    join(folder, 'delivery.csv'),
    Array.from({ length: 20 }, (_, i) => csvRow(String(i + 1))),
  );
  const { id } = await saveLink(store.db, scheduledFolderLink(code, folder), 'api');
  if (sinceHours > 0) {
    await store
      .db('employer_links')
      .where({ employer_id: id })
      .update({ schedule_since: new Date(Date.now() - sinceHours * 3_600_000) });
  }
  return id;
}

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
      await expect.poll(() => blockedBy(holder, holderPid), { timeout: 60_000, interval: 200 }).toBe(1);
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

/** `koppeling serve` on PostgreSQL stopped while two scheduled slots run, the second one started after the first. */
describe.runIf(testStoreKind === 'postgres')('koppeling serve stopped while two scheduled slots run', () => {
  const dir = mkdtempSync(join(tmpdir(), 'koppeling-serve-slots-'));
  const target = serviceStore(dir);
  const env: NodeJS.ProcessEnv = {
    ...target.env,
    KOPPELING_ADMIN_TOKEN: `kop_${randomBytes(24).toString('hex')}`,
    KOPPELING_SCHEDULER: 'on',
    KOPPELING_SYNC_CONCURRENCY: '2',
  };
  let store: Store;
  let first: string;
  let second: string;

  beforeAll(async () => {
    store = await target.open();
    // The first slot is one the service missed while it was down: it runs as the service starts.
    first = await scheduledWithDelivery(store, dir, 'slot-a', 48);
    second = await scheduledWithDelivery(store, dir, 'slot-b');
  });
  afterAll(async () => {
    await store.close();
    await target.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('When it gets SIGTERM, then the statements of both slots are cancelled, both runs are recorded as stopped and both slots are released', async () => {
    const holder = new pg.Client({ connectionString: testDatabaseUrl });
    await holder.connect();
    // Another session holds the departments table: the plan of each run waits for it.
    await holder.query('begin');
    await holder.query(`lock table "${target.schema}".departments in access exclusive mode`);
    const holderPid = (await holder.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
    const service = await startService(env);
    let exited = false;
    try {
      await expect.poll(() => blockedBy(holder, holderPid), { timeout: 60_000, interval: 200 }).toBe(1);
      // The second slot, released by an instance that stopped, is taken again by the refresh of
      // the schedules (every minute) while the first one runs.
      await store.db('sync_schedule_claims').insert({
        employer_id: second,
        slot: new Date(Date.now() - 3_600_000),
        instance: 'gone:1',
        released_at: new Date(),
      });
      await expect.poll(() => blockedBy(holder, holderPid), { timeout: 90_000, interval: 500 }).toBe(2);

      // It ends while the table is still held: no slot waits for a statement nobody cancelled.
      expect(await endsWithin(service.stop('SIGTERM'), 20_000)).toBe(143);
      exited = true;
      await holder.query('rollback');
      const runs = await store
        .db('sync_runs')
        .whereIn('employer_id', [first, second])
        .orderBy('started_at')
        .select('employer_id', 'status', 'message');
      expect(runs).toEqual([
        { employer_id: first, status: 'failed', message: stopped },
        { employer_id: second, status: 'failed', message: stopped },
      ]);
      const claims = await store
        .db('sync_schedule_claims')
        .whereIn('employer_id', [first, second])
        .orderBy('claimed_at')
        .select('employer_id', 'released_at', 'done_at');
      expect(claims).toEqual([
        { employer_id: first, released_at: expect.any(Date), done_at: null },
        { employer_id: second, released_at: expect.any(Date), done_at: null },
      ]);
    } finally {
      if (!exited) await service.stop('SIGKILL');
      await holder.end();
    }
  }, 180_000);
});

/** `koppeling serve` started while another process has its port (a deploy that starts the new one too early). */
describe('koppeling serve that cannot bind its port', () => {
  const dir = mkdtempSync(join(tmpdir(), 'koppeling-serve-port-'));
  const target = serviceStore(dir);
  afterAll(async () => {
    await target.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('When its port is in use, then it exits with status 1 without claiming or taking again any slot and without recording a run', async () => {
    let store = await target.open();
    const missed = await scheduledWithDelivery(store, dir, 'port-missed', 48);
    const released = await scheduledWithDelivery(store, dir, 'port-released');
    const slot = new Date(Date.now() - 3_600_000);
    await store.db('sync_schedule_claims').insert({
      employer_id: released,
      slot,
      instance: 'gone:1',
      released_at: new Date(),
    });
    const before = await store.db('sync_schedule_claims').select();
    await store.close();

    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const proc = spawnKoppeling(['serve'], {
        ...target.env,
        PORT: String((taken.address() as AddressInfo).port),
        HOST: '127.0.0.1',
        KOPPELING_ADMIN_TOKEN: `kop_${randomBytes(24).toString('hex')}`,
        KOPPELING_SCHEDULER: 'on',
        LOG_LEVEL: 'warn',
      });
      try {
        expect(await endsWithin(proc.exited.then(exitStatus), 30_000)).toBe(1);
      } finally {
        if (proc.child.exitCode === null && proc.child.signalCode === null) {
          proc.child.kill('SIGKILL');
          await proc.exited;
        }
      }
      expect(proc.output()).toMatch(/EADDRINUSE/);
      expect(proc.output()).not.toMatch(/listening on/);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }

    store = await target.open();
    try {
      expect(await store.db('sync_schedule_claims').select()).toEqual(before);
      expect(before).toMatchObject([{ employer_id: released, instance: 'gone:1', taken_over: 0 }]);
      expect(await store.db('sync_runs').whereIn('employer_id', [missed, released])).toEqual([]);
    } finally {
      await store.close();
    }
  }, 120_000);
});
