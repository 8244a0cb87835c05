import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore, testStoreKind, type TestStore } from '../helpers/store.js';
import { schemaUrl } from '../helpers/cli.js';
import { sharedKeys, spawnKoppeling, waitForOutput } from '../helpers/process.js';
import { csvRow, writeCsvDelivery } from '../helpers/csv-delivery.js';
import { saveLink } from '../../src/store/links.js';
import { linkSchema } from '../../src/sync/link.js';

const reason =
  'needs PostgreSQL: several instances share one database (run with KOPPELING_TEST_STORE=postgres)';

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

  it('When an instance stops during a scheduled run, then the slot is released and the next instance runs it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'koppeling-release-'));
    const delivery = join(dir, 'delivery.csv');
    const count = 30_000;
    writeCsvDelivery(
      delivery,
      Array.from({ length: count }, (_, i) => csvRow(String(i + 1))),
    );
    // One slot, a few seconds from now (Europe/Amsterdam): the next comes only tomorrow.
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
    const link = scheduledLink('released', delivery, `${sec} ${m} ${h} * * *`);
    const employer = await saveLink(store.db, link, 'api');
    const env = instanceEnv('info');
    const runs = () => store.db('sync_runs').where({ employer_id: employer.id }).orderBy('started_at');
    const a = spawnKoppeling(['serve'], { ...env, KOPPELING_DATA_DIR: join(dir, 'a') });
    try {
      await waitForOutput(a.output, 'Koppeling listening');
      await expect
        .poll(
          async () => (await runs()).map((r: { progress: { phase?: string } | null }) => r.progress?.phase),
          {
            timeout: 20_000,
            interval: 100,
          },
        )
        .toEqual(['staging']);
    } finally {
      a.child.kill('SIGTERM');
      await a.exited;
    }
    expect(a.output()).toContain('scheduled slot released for another turn');
    const [stopped] = await runs();
    expect(stopped).toMatchObject({ status: 'failed', message: expect.stringMatching(/stopped by SIGTERM/) });
    const [claim] = await store.db('sync_schedule_claims').where({ employer_id: employer.id });
    expect(claim.released_at).not.toBeNull();

    const b = spawnKoppeling(['serve'], { ...env, KOPPELING_DATA_DIR: join(dir, 'b') });
    try {
      await waitForOutput(b.output, 'Koppeling listening');
      await expect
        .poll(async () => (await runs()).map((r: { status: string }) => r.status), {
          timeout: 60_000,
          interval: 250,
        })
        .toEqual(['failed', 'completed']);
    } finally {
      b.child.kill('SIGTERM');
      await b.exited;
    }
    const claims = await store.db('sync_schedule_claims').where({ employer_id: employer.id });
    expect(claims).toHaveLength(1);
    expect(claims[0]).toMatchObject({ released_at: null });
    expect(claims[0].instance).not.toBe(claim.instance);
    expect(await store.db('employees').where({ employer_id: employer.id })).toHaveLength(count);
  }, 120_000);
});
