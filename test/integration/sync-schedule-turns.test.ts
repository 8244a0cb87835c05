import { existsSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestStore, testConfig, testStoreKind, testVault, type TestStore } from '../helpers/store.js';
import { csvHeader, csvRow, writeCsvDelivery } from '../helpers/csv-delivery.js';
import { log } from '../../src/log.js';
import { refreshJobName, registerSyncJobs, runScheduledSync } from '../../src/jobs/sync.js';
import { retakeSlots } from '../../src/jobs/slots.js';
import { concurrencyLimit } from '../../src/jobs/limit.js';
import { Scheduler, type ScheduledJob } from '../../src/jobs/scheduler.js';
import type { Runtime } from '../../src/runtime.js';
import { saveLink } from '../../src/store/links.js';
import { linkSchema } from '../../src/sync/link.js';
import { scheduledFolderLink } from '../helpers/sync.js';

let store: TestStore;
beforeAll(async () => {
  store = await createTestStore();
});
afterAll(() => store.close());

/** The most sync transactions that were open at the same time. */
let mostOpen = 0;

/**
 * Registers the sync jobs of the stored links with a scheduler that only collects them, on a store
 * that counts the transactions open at once (each sync run is one).
 */
async function collectJobs(syncConcurrency: number): Promise<ScheduledJob[]> {
  const jobs: ScheduledJob[] = [];
  const scheduler = {
    add: (job: ScheduledJob) => jobs.push(job),
    remove: () => undefined,
    lastSlot: () => undefined,
    onStop: () => undefined,
    track: () => undefined,
  };
  let open = 0;
  const db = new Proxy(store.db, {
    get(target, property, receiver) {
      if (property !== 'transaction') return Reflect.get(target, property, receiver) as unknown;
      return (fn: (trx: unknown) => Promise<unknown>) =>
        target.transaction(async (trx) => {
          mostOpen = Math.max(mostOpen, ++open);
          try {
            return await fn(trx);
          } finally {
            open -= 1;
          }
        });
    },
  });
  const runtime = {
    config: testConfig({ syncConcurrency }),
    syncTurn: concurrencyLimit(syncConcurrency),
    store: { ...store, db },
    vault: testVault(store),
  };
  await registerSyncJobs(scheduler as unknown as Scheduler, runtime as unknown as Runtime);
  return jobs.filter((j) => j.name !== refreshJobName);
}

describe('scheduled syncs that share a slot', () => {
  it('When many employers share a slot, then one instance runs them in turns and each completes once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'koppeling-turns-'));
    // `schedules` too: no employer code may take the name of the job that refreshes the schedules.
    const codes = ['turn-a', 'turn-b', 'turn-c', 'schedules'];
    const employers = [];
    for (const code of codes) {
      const file = join(dir, `${code}.csv`);
      writeCsvDelivery(file, [csvRow('1'), csvRow('2'), csvRow('3')]);
      const link = linkSchema.parse({
        employer: { code, name: `${code} BV` },
        connector: 'csv',
        source: { file },
        mapping: 'mappings/csv-standard.yaml',
        delivery: 'complete',
        schedule: '30 2 * * *',
      });
      employers.push(await saveLink(store.db, link, 'api'));
    }
    const jobs = (await collectJobs(1)).filter((j) => codes.includes(j.name.replace('sync:', '')));
    expect(jobs).toHaveLength(codes.length);
    const slot = new Date('2026-11-29T01:30:00Z');
    await Promise.all(jobs.map((j) => j.run(slot)));

    const runs = await store.db('sync_runs').whereIn(
      'employer_id',
      employers.map((e) => e.id),
    );
    expect(runs.map((r: { status: string }) => r.status)).toEqual(codes.map(() => 'completed'));
    // One at a time (PGlite has one connection anyway; on PostgreSQL four would be open at once).
    expect(mostOpen).toBe(1);
    // The slot is claimed once per employer: firing it again runs nothing.
    await Promise.all(jobs.map((j) => j.run(slot)));
    expect(
      await store.db('sync_runs').whereIn(
        'employer_id',
        employers.map((e) => e.id),
      ),
    ).toHaveLength(codes.length);
  });
});

describe('a scheduled run that does not complete', () => {
  it('When a drop-folder delivery lacks a column, then the run stops there, the file waits and the log says why', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'koppeling-sched-columns-'));
    const first = join(folder, 'a.csv');
    writeCsvDelivery(first, [csvRow('1'), csvRow('2')]);
    const second = join(folder, 'b.csv');
    const header = csvHeader.filter((h) => h !== 'Afdelingscode');
    const row = csvRow('1');
    writeFileSync(
      second,
      [header.join(';'), header.map((h) => row[h] ?? '').join(';')].join('\r\n') + '\r\n',
    );
    utimesSync(first, new Date('2026-11-28T20:00:00Z'), new Date('2026-11-28T20:00:00Z'));
    utimesSync(second, new Date('2026-11-28T21:00:00Z'), new Date('2026-11-28T21:00:00Z'));
    const employer = await saveLink(store.db, scheduledFolderLink('sched-columns', folder), 'api');
    const [job] = (await collectJobs(1)).filter((j) => j.name === 'sync:sched-columns');
    const warn = vi.spyOn(log, 'warn');
    try {
      await job!.run(new Date('2026-11-29T01:30:00Z'));
      const runs = await store.db('sync_runs').where({ employer_id: employer.id }).orderBy('started_at');
      expect(runs.map((r: { status: string }) => r.status)).toEqual(['completed', 'guard_tripped']);
      expect(existsSync(join(folder, 'processed', 'a.csv'))).toBe(true);
      expect(existsSync(second)).toBe(true);
      expect(warn).toHaveBeenCalledWith(
        'scheduled sync did not complete',
        expect.objectContaining({
          status: 'guard_tripped',
          message: expect.stringMatching(/^The delivery lacks the column "Afdelingscode"/),
        }),
      );
    } finally {
      warn.mockRestore();
    }
  });

  /** A link with a drop folder and a nightly schedule, stored as it is (not checked). */
  async function scheduledLink(code: string, folder: string, mapping: string) {
    const employer = await saveLink(store.db, scheduledFolderLink(code, folder, mapping), 'api');
    const [job] = (await collectJobs(1)).filter((j) => j.name === `sync:${code}`);
    await job!.run(new Date('2026-11-29T01:30:00Z'));
    return store.db('sync_runs').where({ employer_id: employer.id });
  }

  it.skipIf(testStoreKind === 'pglite')(
    'When another run holds the employer at its slot, then the slot is released and runs when it is taken again (PostgreSQL only: PGlite has one connection)',
    async () => {
      const folder = mkdtempSync(join(tmpdir(), 'koppeling-sched-busy-'));
      writeCsvDelivery(join(folder, 'a.csv'), [csvRow('1')]);
      const employer = await saveLink(store.db, scheduledFolderLink('sched-busy', folder), 'api');
      const runtime = { config: testConfig(), syncTurn: concurrencyLimit(1), store, vault: testVault(store) };
      const slot = new Date('2026-11-29T01:30:00Z');
      // An upload through the API holds the employer's run lock while the slot comes.
      const upload = await store.db.transaction();
      try {
        await upload.raw(`select pg_advisory_xact_lock(?, hashtext(?))`, [0x4b50_5359, employer.id]);
        await runScheduledSync(runtime as unknown as Runtime, employer.id, slot);
      } finally {
        await upload.rollback();
      }
      const runs = () => store.db('sync_runs').where({ employer_id: employer.id }).orderBy('started_at');
      expect((await runs()).map((r: { status: string }) => r.status)).toEqual(['busy']);
      expect(
        await store.db('sync_schedule_claims').where({ employer_id: employer.id }).first(),
      ).toMatchObject({
        released_at: expect.any(Date),
      });
      const taken = await retakeSlots(runtime as unknown as Runtime, [employer.id]);
      expect(taken).toEqual([{ employerId: employer.id, slot }]);
      await runScheduledSync(runtime as unknown as Runtime, employer.id, slot, true);
      expect((await runs()).map((r: { status: string }) => r.status)).toEqual(['busy', 'completed']);
    },
  );

  it('When nothing is waiting in the drop folder, then no run is recorded', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'koppeling-sched-empty-'));
    expect(await scheduledLink('sched-empty', folder, 'mappings/csv-standard.yaml')).toHaveLength(0);
  });

  it('When the mapping file cannot be loaded, then the run is recorded as failed, naming the file', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'koppeling-sched-mapping-'));
    writeCsvDelivery(join(folder, 'a.csv'), [csvRow('1')]);
    const runs = await scheduledLink('sched-mapping', folder, 'mappings/csv-standrd.yaml');
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: 'failed', trigger: 'schedule' });
    expect(runs[0].message).toContain('mappings/csv-standrd.yaml: mapping file not found');
    expect(existsSync(join(folder, 'a.csv'))).toBe(true);
  });

  it('When scheduled links cannot run at start-up, then each is said once, with what is wrong', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'koppeling-sched-warn-'));
    const stored = async (code: string, mapping: string) =>
      saveLink(
        store.db,
        linkSchema.parse({
          employer: { code, name: `${code} BV` },
          connector: 'csv',
          source: { folder },
          mapping,
          delivery: 'mutations',
          schedule: '30 2 * * *',
        }),
        'api',
      );
    await stored('warn-mapping', 'mappings/csv-standrd.yaml');
    const old = await stored('warn-old', 'mappings/csv-standard.yaml');
    // A stored document that no longer fits the link schema.
    const document = (await store.db('employer_links').where({ employer_id: old.id }).first()).document;
    await store
      .db('employer_links')
      .where({ employer_id: old.id })
      .update({
        document: JSON.stringify({
          ...(typeof document === 'string' ? JSON.parse(document) : document),
          key: 'bsn',
        }),
      });
    const warn = vi.spyOn(log, 'warn');
    try {
      await collectJobs(1);
      const said = (code: string) =>
        (warn.mock.calls as unknown as Array<[string, { employer?: string }]>)
          .filter(([, meta]) => meta?.employer === code)
          .map(([message]) => message);
      await expect.poll(() => said('warn-mapping')).toEqual(['scheduled link cannot run']);
      expect(said('warn-old')).toEqual(['stored link cannot be read']);
      // Its slot (on an instance that registered it before) is left for an instance that can read it.
      const runtime = { config: testConfig(), syncTurn: concurrencyLimit(1), store, vault: testVault(store) };
      await expect(
        runScheduledSync(runtime as unknown as Runtime, old.id, new Date('2026-11-29T01:30:00Z')),
      ).rejects.toThrow(/Employer warn-old: /);
      expect(await store.db('sync_schedule_claims').where({ employer_id: old.id })).toEqual([]);
    } finally {
      warn.mockRestore();
    }
  });

  it('When a completed delivery cannot be moved to processed/, then the run stays completed, says so, and the slot stops instead of reading it again', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'koppeling-sched-unmoved-'));
    writeCsvDelivery(join(folder, 'a.csv'), [csvRow('1')]);
    writeCsvDelivery(join(folder, 'b.csv'), [csvRow('2')]);
    const older = new Date(Date.now() - 120_000);
    utimesSync(join(folder, 'a.csv'), older, older);
    writeFileSync(join(folder, 'processed'), 'not a folder');
    const error = vi.spyOn(log, 'error');
    try {
      const runs = await scheduledLink('sched-unmoved', folder, 'mappings/csv-standard.yaml');
      expect(runs.map((r: { status: string }) => r.status)).toEqual(['completed']);
      expect(existsSync(join(folder, 'a.csv'))).toBe(true);
      expect(error).toHaveBeenCalledWith(
        'scheduled sync stopped: delivery file not moved',
        expect.objectContaining({
          message: expect.stringMatching(
            /^The delivery file could not be moved to processed\/ \(.*\); it stays/,
          ),
        }),
      );
    } finally {
      error.mockRestore();
    }
  });

  it('When a stored link has a schedule no date matches, then the other schedules still start and it is said', async () => {
    const link = (code: string) =>
      linkSchema.parse({
        employer: { code, name: `${code} BV` },
        connector: 'csv',
        source: { folder: mkdtempSync(join(tmpdir(), 'koppeling-never-')) },
        mapping: 'mappings/csv-standard.yaml',
        delivery: 'mutations',
        schedule: '30 2 * * *',
      });
    const never = await saveLink(store.db, link('aa-never'), 'api');
    await saveLink(store.db, link('zz-fine'), 'api');
    // Stored before such schedules were refused.
    const row = await store.db('employer_links').where({ employer_id: never.id }).first();
    const document = typeof row.document === 'string' ? JSON.parse(row.document) : row.document;
    await store
      .db('employer_links')
      .where({ employer_id: never.id })
      .update({ document: JSON.stringify({ ...document, schedule: '0 2 8-14 * 1#1' }) });
    const scheduler = new Scheduler('Europe/Amsterdam');
    const warn = vi.spyOn(log, 'warn');
    try {
      const runtime = { config: testConfig(), syncTurn: concurrencyLimit(1), store, vault: testVault(store) };
      await registerSyncJobs(scheduler, runtime as unknown as Runtime);
      expect(scheduler.jobNames()).toContain('sync:zz-fine');
      expect(scheduler.jobNames()).not.toContain('sync:aa-never');
      expect(warn).toHaveBeenCalledWith('stored link cannot be read', {
        employer: 'aa-never',
        problem: expect.stringMatching(/comes round/),
      });
    } finally {
      warn.mockRestore();
      await scheduler.stop();
    }
  });
});
