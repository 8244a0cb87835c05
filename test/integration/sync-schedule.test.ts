import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore, testStoreKind, type TestStore } from '../helpers/store.js';
import { schemaUrl } from '../helpers/cli.js';
import { sharedKeys, spawnKoppeling, waitForOutput } from '../helpers/process.js';
import { csvRow, writeCsvDelivery } from '../helpers/csv-delivery.js';
import { saveLink } from '../../src/store/links.js';
import { openStore } from '../../src/store/db.js';
import { migrateLatest } from '../../src/store/migrate.js';
import { linkSchema } from '../../src/sync/link.js';

const reason =
  'needs PostgreSQL: several instances share one database (run with KOPPELING_TEST_STORE=postgres)';

/** A schedule with one slot a few seconds from now (Europe/Amsterdam): the next comes only tomorrow. */
function soonOnce(): string {
  const at = new Date(Date.now() + 6_000);
  const [h, m, sec] = new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Europe/Amsterdam',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  })
    .format(at)
    .split(':')
    .map(Number);
  return `${sec} ${m} ${h} * * *`;
}

describe.skipIf(testStoreKind !== 'postgres')(`scheduled syncs on two instances (${reason})`, () => {
  let store: TestStore;
  // The instances of every test here share one database, so one set of vault keys.
  const keys = sharedKeys();
  /** A scheduled CSV link of a mutation delivery. */
  const scheduledLink = (code: string, delivery: string, schedule: string) =>
    linkSchema.parse({
      employer: { code, name: `${code} BV` },
      connector: 'csv',
      source: { file: delivery },
      mapping: 'mappings/csv-standard.yaml',
      delivery: 'mutations',
      schedule,
    });
  /** The settings of an instance `serve`s with (its own data folder, the shared database). */
  const instanceEnv = (logLevel: string) => ({
    ...keys,
    DATABASE_URL: schemaUrl(store.schema!),
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: logLevel,
    LOG_FORMAT: 'json',
    KOPPELING_ADMIN_TOKEN: 'test-operator-token-0123456789abcdef',
  });
  beforeAll(async () => {
    store = await createTestStore();
  });
  afterAll(() => store?.close());

  it('When two instances run the same schedule, then each slot runs exactly once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'koppeling-schedule-'));
    const delivery = join(dir, 'delivery.csv');
    writeCsvDelivery(delivery, [csvRow('1'), csvRow('2')]);
    const employer = await saveLink(store.db, scheduledLink('twice', delivery, '*/2 * * * * *'), 'api');
    const env = instanceEnv('warn');
    const a = spawnKoppeling(['serve'], { ...env, KOPPELING_DATA_DIR: join(dir, 'a') });
    const b = spawnKoppeling(['serve'], { ...env, KOPPELING_DATA_DIR: join(dir, 'b') });
    try {
      await waitForOutput(a.output, 'Koppeling listening');
      await waitForOutput(b.output, 'Koppeling listening');
      await new Promise((r) => setTimeout(r, 9_000));
    } finally {
      a.child.kill('SIGTERM');
      b.child.kill('SIGTERM');
      await Promise.all([a.exited, b.exited]);
    }
    const claims = (await store.db('sync_schedule_claims').where({ employer_id: employer.id })) as Array<{
      slot: Date;
      run_id: string | null;
    }>;
    const runs = await store.db('sync_runs').where({ employer_id: employer.id, trigger: 'schedule' });
    expect(claims.length).toBeGreaterThanOrEqual(3);
    // One run per claimed slot (a slot claimed just before shutdown may not have recorded its run yet).
    expect(runs.length).toBeGreaterThanOrEqual(claims.length - 1);
    expect(runs.length).toBeLessThanOrEqual(claims.length);
    expect(runs.filter((r: { status: string }) => r.status === 'busy')).toHaveLength(0);
    const slots = claims.map((c) => new Date(c.slot).getTime());
    expect(new Set(slots).size).toBe(slots.length);
    for (const s of slots) expect((s / 1000) % 2).toBe(0);
    expect(await store.db('employees').where({ employer_id: employer.id })).toHaveLength(2);
  }, 60_000);

  it.each(['SIGTERM', 'SIGKILL'] as const)(
    'When an instance is stopped by %s during a scheduled run, then the next instance runs the slot',
    async (signal) => {
      const dir = mkdtempSync(join(tmpdir(), 'koppeling-release-'));
      const delivery = join(dir, 'delivery.csv');
      const count = 30_000;
      writeCsvDelivery(
        delivery,
        Array.from({ length: count }, (_, i) => csvRow(String(i + 1))),
      );
      const link = scheduledLink(`released-${signal.toLowerCase()}`, delivery, soonOnce());
      const employer = await saveLink(store.db, link, 'api');
      const env = instanceEnv('info');
      const runs = () => store.db('sync_runs').where({ employer_id: employer.id }).orderBy('started_at');
      const claimOf = () => store.db('sync_schedule_claims').where({ employer_id: employer.id });
      const a = spawnKoppeling(['serve'], { ...env, KOPPELING_DATA_DIR: join(dir, 'a') });
      try {
        await waitForOutput(a.output, 'Koppeling listening');
        await expect
          .poll(
            async () => (await runs()).map((r: { progress: { phase?: string } | null }) => r.progress?.phase),
            { timeout: 20_000, interval: 100 },
          )
          .toEqual(['staging']);
      } finally {
        a.child.kill(signal);
        await a.exited;
      }
      const [claim] = await claimOf();
      if (signal === 'SIGTERM') {
        expect(a.output()).toContain('scheduled slot released for another turn');
        // The slots still held are released while the store is open.
        expect(a.output()).not.toContain('not released');
        const [stopped] = await runs();
        expect(stopped).toMatchObject({
          status: 'failed',
          message: expect.stringMatching(/stopped by SIGTERM/),
        });
        expect(claim.released_at).not.toBeNull();
      } else {
        // Killed outright: nothing released, the run left going. Minutes pass without a word from it.
        expect(claim).toMatchObject({ released_at: null, done_at: null });
        await claimOf().update({ beat_at: store.db.raw(`now() - interval '5 minutes'`) });
      }

      const b = spawnKoppeling(['serve'], { ...env, KOPPELING_DATA_DIR: join(dir, 'b') });
      try {
        await waitForOutput(b.output, 'Koppeling listening');
        await expect
          .poll(async () => (await runs()).map((r: { status: string }) => r.status), {
            timeout: 60_000,
            interval: 250,
          })
          .toEqual([signal === 'SIGTERM' ? 'failed' : 'abandoned', 'completed']);
      } finally {
        b.child.kill('SIGTERM');
        await b.exited;
      }
      expect(b.output()).toContain('scheduled slot taken again');
      const claims = await claimOf();
      expect(claims).toHaveLength(1);
      expect(claims[0]).toMatchObject({
        released_at: null,
        done_at: expect.any(Date),
        taken_over: signal === 'SIGTERM' ? 0 : 1,
      });
      expect(claims[0].instance).not.toBe(claim.instance);
      expect(await store.db('employees').where({ employer_id: employer.id })).toHaveLength(count);
    },
    120_000,
  );
});

describe.runIf(testStoreKind === 'pglite')('a scheduled sync on the embedded store', () => {
  it('When the process is killed outright during a scheduled run, then the service started again runs the slot', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'koppeling-killed-slot-'));
    const delivery = join(dir, 'delivery.csv');
    const count = 8_000;
    writeCsvDelivery(
      delivery,
      Array.from({ length: count }, (_, i) => csvRow(String(i + 1))),
    );
    const dataDir = join(dir, 'data');
    const prepare = openStore({ dataDir });
    await migrateLatest(prepare.db);
    const link = linkSchema.parse({
      employer: { code: 'killed', name: 'Killed BV' },
      connector: 'csv',
      source: { file: delivery },
      mapping: 'mappings/csv-standard.yaml',
      delivery: 'mutations',
      schedule: soonOnce(),
    });
    const employer = await saveLink(prepare.db, link, 'api');
    await prepare.close();
    const env = {
      ...sharedKeys(),
      KOPPELING_DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'debug',
      LOG_FORMAT: 'json',
      KOPPELING_ADMIN_TOKEN: 'test-operator-token-0123456789abcdef',
    };
    const first = spawnKoppeling(['serve'], env);
    try {
      await waitForOutput(first.output, /"phase":"staging","records":[1-9]/, 30_000);
    } finally {
      first.child.kill('SIGKILL');
      await first.exited;
    }
    const again = spawnKoppeling(['serve'], env);
    try {
      await waitForOutput(again.output, 'scheduled slot taken again', 30_000);
      await waitForOutput(again.output, /"message":"sync run finished".*"status":"completed"/, 60_000);
    } finally {
      again.child.kill('SIGTERM');
      await again.exited;
    }
    const after = openStore({ dataDir });
    try {
      const runs = await after.db('sync_runs').where({ employer_id: employer.id }).orderBy('started_at');
      expect(runs.map((r: { status: string }) => r.status)).toEqual(['abandoned', 'completed']);
      const claims = await after.db('sync_schedule_claims').where({ employer_id: employer.id });
      expect(claims).toHaveLength(1);
      expect(claims[0]).toMatchObject({ released_at: null, done_at: expect.any(Date), taken_over: 1 });
      expect(await after.db('employees').where({ employer_id: employer.id })).toHaveLength(count);
    } finally {
      await after.close();
    }
  }, 120_000);
});
