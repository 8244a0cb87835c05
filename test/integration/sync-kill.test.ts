import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { openStore, type Store } from '../../src/store/db.js';
import { lockFileName } from '../../src/store/lock.js';
import { createTestStore, testStoreKind, type TestStore } from '../helpers/store.js';
import { cliEnv, runCli } from '../helpers/cli.js';
import { exitStatus, sharedKeys, spawnKoppeling, waitForOutput } from '../helpers/process.js';
import { csvRow, writeCsvDelivery } from '../helpers/csv-delivery.js';

// Two staging batches at least (a batch is 5000 records), so a kill can land mid-staging.
const size = testStoreKind === 'pglite' ? 6_000 : 12_000;

const stoppedMessage = (signal: string) =>
  `The run was stopped by ${signal} and nothing was applied; the next run reads the delivery again.`;

/** A digest of every table a sync writes, so "exactly as before" is checked row by row. */
async function digest(store: Store): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [table, order] of [
    ['employees', 'id'],
    ['employee_vault', 'employee_id'],
    ['employments', 'id'],
    ['employment_versions', 'id'],
    ['departments', 'id'],
    ['audit_events', 'id'],
  ] as const) {
    const res = (await store.db.raw(
      `select count(*)::text || ':' || coalesce(md5(string_agg(t::text, '|' order by t.${order})), '') as d from ${table} t`,
    )) as { rows: Array<{ d: string }> };
    out[table] = res.rows[0]!.d;
  }
  return out;
}

describe('a sync run killed at any moment', () => {
  let store: TestStore;
  let env: NodeJS.ProcessEnv;
  let dir: string;
  let config: string;
  let delivery: string;

  beforeAll(async () => {
    store = await createTestStore();
    env = { ...cliEnv(store), ...sharedKeys() };
    dir = mkdtempSync(join(tmpdir(), 'koppeling-kill-'));
    delivery = join(dir, 'delivery.csv');
    config = join(dir, 'link.yaml');
    writeFileSync(
      config,
      stringify({
        employer: { code: 'kill', name: 'Kill BV' },
        connector: 'csv',
        source: { file: delivery },
        mapping: 'mappings/csv-standard.yaml',
        delivery: 'complete',
        guard: 1,
      }),
    );
    writeCsvDelivery(
      delivery,
      Array.from({ length: size }, (_, i) => csvRow(String(i + 1), { Woonplaats: 'Utrecht' })),
    );
    const first = await runCli(['sync', '--config', config, '--json'], env);
    expect(first.code).toBe(0);
  }, 120_000);
  afterAll(() => store.close());

  /** The store as the CLI processes see it (PGlite: its data folder, closed again before the next process). */
  async function withStore<T>(fn: (s: Store) => Promise<T>): Promise<T> {
    if (store.schema) return fn(store);
    const s = openStore({ dataDir: env.KOPPELING_DATA_DIR! });
    try {
      return await fn(s);
    } finally {
      await s.close();
    }
  }

  for (const phase of ['staging', 'applying'] as const) {
    it(`When the process is killed while ${phase}, then the store is exactly as before and the next run succeeds`, async () => {
      const before = await withStore(digest);
      // Every employee changes: a run that got through would rewrite all of them.
      writeCsvDelivery(
        delivery,
        Array.from({ length: size }, (_, i) =>
          csvRow(String(i + 1), { Woonplaats: `Zwolle ${phase}` }),
        ).slice(0, size - 100),
      );
      const proc = spawnKoppeling(['sync', '--config', config, '--json'], { ...env, LOG_LEVEL: 'debug' });
      await waitForOutput(proc.output, new RegExp(`"phase":"${phase}","records":[1-9]`), 60_000);
      proc.child.kill('SIGKILL');
      expect((await proc.exited).signal).toBe('SIGKILL');
      expect(await withStore(digest)).toEqual(before);
      const next = await runCli(['sync', '--config', config, '--json'], env);
      expect(next.code).toBe(0);
      expect(JSON.parse(next.stdout)).toMatchObject({
        status: 'completed',
        updated: size - 100,
        ended: phase === 'staging' ? 100 : 0,
      });
      const runs = await withStore((s) => s.db('sync_runs').orderBy('started_at'));
      expect(runs.filter((r: { status: string }) => r.status === 'abandoned')).toHaveLength(
        phase === 'staging' ? 1 : 2,
      );
    }, 120_000);
  }

  it('When the process gets SIGINT (Ctrl-C) while applying, then it stops between two statements, rolls the run back, removes its lock and ends with status 130', async () => {
    const before = await withStore(digest);
    writeCsvDelivery(
      delivery,
      Array.from({ length: size }, (_, i) => csvRow(String(i + 1), { Woonplaats: 'Zwolle Ctrl-C' })),
    );
    const proc = spawnKoppeling(['sync', '--config', config], { ...env, LOG_LEVEL: 'debug' });
    await waitForOutput(proc.output, /"phase":"applying","records":[1-9]/, 60_000);
    proc.child.kill('SIGINT');
    expect(exitStatus(await proc.exited)).toBe(130);
    expect(proc.output()).toContain('"message":"stopping; a second signal stops at once","signal":"SIGINT"');
    expect(existsSync(join(env.KOPPELING_DATA_DIR!, lockFileName))).toBe(false);
    expect(await withStore(digest)).toEqual(before);
    // The run is recorded as stopped, not left as running for the next run to find.
    const runs = await withStore((s) => s.db('sync_runs').orderBy('started_at', 'desc').limit(1));
    expect(runs[0]).toMatchObject({ status: 'failed', message: stoppedMessage('SIGINT') });
    const next = await runCli(['sync', '--config', config, '--json'], env);
    expect(JSON.parse(next.stdout)).toMatchObject({ status: 'completed', updated: size });
  }, 120_000);

  it.runIf(testStoreKind === 'postgres')(
    'When the process gets SIGTERM while a statement of the run waits (PostgreSQL), then the statement is cancelled and the run is recorded as stopped',
    async () => {
      const before = await withStore(digest);
      writeCsvDelivery(
        delivery,
        Array.from({ length: size }, (_, i) => csvRow(String(i + 1), { Woonplaats: 'Zwolle SIGTERM' })),
      );
      // Another session holds the departments table: the run's plan waits for it, in one statement.
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      let holding!: (pid: number) => void;
      const holderPid = new Promise<number>((resolve) => (holding = resolve));
      const holder = store.db.transaction(async (trx) => {
        await trx.raw('lock table departments in access exclusive mode');
        holding((await trx.raw('select pg_backend_pid() as pid')).rows[0].pid);
        await released;
      });
      try {
        const pid = await holderPid;
        const proc = spawnKoppeling(['sync', '--config', config], { ...env, LOG_LEVEL: 'info' });
        const waiting = async () =>
          Number(
            (
              await store.db.raw(
                `select count(*) as n from pg_stat_activity where ? = any(pg_blocking_pids(pid))`,
                [pid],
              )
            ).rows[0].n,
          );
        await expect.poll(waiting, { timeout: 60_000, interval: 200 }).toBe(1);
        proc.child.kill('SIGTERM');
        // It ends while the table is still held: the waiting statement was cancelled, not awaited.
        expect(exitStatus(await proc.exited)).toBe(143);
      } finally {
        release();
        await holder;
      }
      expect(await withStore(digest)).toEqual(before);
      const runs = await withStore((s) => s.db('sync_runs').orderBy('started_at', 'desc').limit(1));
      expect(runs[0]).toMatchObject({ status: 'failed', message: stoppedMessage('SIGTERM') });
    },
    120_000,
  );
});
