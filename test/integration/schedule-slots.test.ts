import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestStore, testConfig, testStoreKind, testVault, type TestStore } from '../helpers/store.js';
import { csvRow, writeCsvDelivery } from '../helpers/csv-delivery.js';
import { scheduledFolderLink } from '../helpers/sync.js';
import { log } from '../../src/log.js';
import { registerSyncJobs, runScheduledSync } from '../../src/jobs/sync.js';
import { Scheduler } from '../../src/jobs/scheduler.js';
import { GapSlots } from '../../src/jobs/dst.js';
import { claimSlot, holdSlots, retakeSlots } from '../../src/jobs/slots.js';
import { concurrencyLimit } from '../../src/jobs/limit.js';
import type { Runtime } from '../../src/runtime.js';
import { saveLink } from '../../src/store/links.js';

let store: TestStore;
beforeAll(async () => {
  store = await createTestStore();
});
afterAll(() => store.close());

describe('scheduled slots taken again', () => {
  it('When a stopped instance released a slot, then one instance takes it again, and not once a day has passed', async () => {
    const e = await saveLink(
      store.db,
      scheduledFolderLink('retake', mkdtempSync(join(tmpdir(), 'koppeling-retake-'))),
      'api',
    );
    const slot = new Date('2026-11-29T01:30:00Z');
    await store.db('sync_schedule_claims').insert([
      { employer_id: e.id, slot, instance: 'gone:1', released_at: store.db.fn.now() },
      {
        employer_id: e.id,
        slot: new Date('2026-11-27T01:30:00Z'),
        instance: 'gone:1',
        released_at: new Date(Date.now() - 25 * 3_600_000),
      },
      { employer_id: e.id, slot: new Date('2026-11-28T01:30:00Z'), instance: 'other:2' },
    ]);
    const runtime = { store } as unknown as Runtime;
    const taken = await Promise.all([retakeSlots(runtime, [e.id]), retakeSlots(runtime, [e.id])]);
    expect(taken.flat()).toEqual([{ employerId: e.id, slot }]);
    expect(await retakeSlots(runtime, [e.id])).toEqual([]);
    const claim = await store.db('sync_schedule_claims').where({ employer_id: e.id, slot }).first();
    expect(claim).toMatchObject({ released_at: null });
    expect(claim.instance).not.toBe('gone:1');
  });

  it('When the instance running a slot went quiet, then one instance takes it over, at most twice, and then gives it up in the log', async () => {
    const e = await saveLink(
      store.db,
      scheduledFolderLink('lost-slots', mkdtempSync(join(tmpdir(), 'koppeling-lost-'))),
      'api',
    );
    // Silent for an hour: on PostgreSQL past the beats, on the embedded store before this process.
    const quiet = new Date(Date.now() - 3_600_000);
    const slot = (day: number) => new Date(`2026-11-${day}T01:30:00Z`);
    const lost = { instance: 'gone:1', beat_at: quiet, claimed_at: quiet, beats: true };
    await store.db('sync_schedule_claims').insert([
      { employer_id: e.id, slot: slot(20), ...lost },
      { employer_id: e.id, slot: slot(21), ...lost, taken_over: 2 },
      { employer_id: e.id, slot: slot(22), ...lost, done_at: quiet },
      { employer_id: e.id, slot: slot(23), instance: 'alive:2', beats: true },
      {
        employer_id: e.id,
        slot: slot(19),
        ...lost,
        beat_at: new Date(Date.now() - 25 * 3_600_000),
        claimed_at: new Date(Date.now() - 25 * 3_600_000),
      },
      // Claimed by an instance of the version before (a rolling deploy), which says nothing while it runs.
      { employer_id: e.id, slot: slot(24), instance: 'older:3', beat_at: quiet, claimed_at: quiet },
    ]);
    const runtime = { store } as unknown as Runtime;
    const error = vi.spyOn(log, 'error').mockImplementation(() => log);
    try {
      const taken = await Promise.all([retakeSlots(runtime, [e.id]), retakeSlots(runtime, [e.id])]);
      expect(taken.flat()).toEqual([{ employerId: e.id, slot: slot(20) }]);
      expect(error).toHaveBeenCalledTimes(1);
      expect(error).toHaveBeenCalledWith(
        'scheduled slot given up: the process running it stopped without a word each time',
        { employerId: e.id, slot: slot(21).toISOString(), lastInstance: 'gone:1', attempts: 3 },
      );
    } finally {
      error.mockRestore();
    }
    expect(await retakeSlots(runtime, [e.id])).toEqual([]);
    const claims = await store.db('sync_schedule_claims').where({ employer_id: e.id }).orderBy('slot');
    expect(
      claims.map((c: { instance: string; taken_over: number; done_at: Date | null }) => [
        ['gone:1', 'alive:2', 'older:3'].includes(c.instance) ? c.instance : 'this',
        c.taken_over,
        c.done_at !== null,
      ]),
    ).toEqual([
      ['gone:1', 0, false],
      ['this', 1, false],
      ['gone:1', 2, true],
      ['gone:1', 0, true],
      ['alive:2', 0, false],
      ['older:3', 0, false],
    ]);
  });

  it('When an instance holds a slot, then it says so (PostgreSQL) and the slot is not taken over; when it stops, the slot is released', async () => {
    const e = await saveLink(
      store.db,
      scheduledFolderLink('holding', mkdtempSync(join(tmpdir(), 'koppeling-holding-'))),
      'api',
    );
    const runtime = { store } as unknown as Runtime;
    const slot = new Date('2026-11-29T01:30:00Z');
    expect(await claimSlot(runtime, e.id, slot)).toBe(true);
    const claim = async () => (await store.db('sync_schedule_claims').where({ employer_id: e.id }).first())!;
    const stop = holdSlots(runtime, 50);
    try {
      if (testStoreKind === 'postgres') {
        await store
          .db('sync_schedule_claims')
          .where({ employer_id: e.id })
          .update({ beat_at: new Date(0) });
        await expect
          .poll(async () => Date.now() - new Date((await claim()).beat_at).getTime(), { timeout: 5_000 })
          .toBeLessThan(60_000);
      }
      expect(await retakeSlots(runtime, [e.id])).toEqual([]);
    } finally {
      await stop();
    }
    expect(await claim()).toMatchObject({ released_at: expect.any(Date), done_at: null });
  });

  it('When a scheduled slot has run, then it is done and no instance takes it over', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'koppeling-done-slot-'));
    writeCsvDelivery(join(folder, 'a.csv'), [csvRow('1')]);
    const e = await saveLink(store.db, scheduledFolderLink('done-slot', folder), 'api');
    const runtime = { config: testConfig(), syncTurn: concurrencyLimit(1), store, vault: testVault(store) };
    const slot = new Date('2026-11-29T01:30:00Z');
    await runScheduledSync(runtime as unknown as Runtime, e.id, slot);
    const claim = await store.db('sync_schedule_claims').where({ employer_id: e.id }).first();
    expect(claim).toMatchObject({ released_at: null, done_at: expect.any(Date), taken_over: 0 });
    await store
      .db('sync_schedule_claims')
      .where({ employer_id: e.id })
      .update({ beat_at: new Date(0) });
    expect(await retakeSlots(runtime as unknown as Runtime, [e.id])).toEqual([]);
  });
});

describe('scheduled slots missed while the service was not running', () => {
  it('When the service starts after a slot nobody ran, then that slot runs once; not one another instance ran, nor one from before the schedule was set', async () => {
    const folders = ['missed-a', 'missed-b', 'missed-c'].map((code) => {
      const folder = mkdtempSync(join(tmpdir(), `koppeling-${code}-`));
      writeCsvDelivery(join(folder, 'a.csv'), [csvRow('1')]);
      return { code, folder };
    });
    const [a, b, c] = await Promise.all(
      folders.map(({ code, folder }) => saveLink(store.db, scheduledFolderLink(code, folder), 'api')),
    );
    const twoDaysAgo = new Date(Date.now() - 48 * 3_600_000);
    await store
      .db('employer_links')
      .whereIn('employer_id', [a!.id, b!.id])
      .update({ schedule_since: twoDaysAgo });
    // Saving the same schedule again keeps when it was set.
    await saveLink(store.db, scheduledFolderLink('missed-a', folders[0]!.folder), 'api');
    // The slot of 02:30 in the last day (Europe/Amsterdam).
    const slot = new GapSlots('Europe/Amsterdam').lastSlot(
      '30 2 * * *',
      new Date(Date.now() - 24 * 3_600_000),
      new Date(),
    )![0]!;
    await store
      .db('sync_schedule_claims')
      .insert({ employer_id: b!.id, slot, instance: 'other:1', done_at: slot });
    const runtime = { config: testConfig(), syncTurn: concurrencyLimit(1), store, vault: testVault(store) };
    const scheduler = new Scheduler('Europe/Amsterdam');
    const info = vi.spyOn(log, 'info');
    try {
      await registerSyncJobs(scheduler, runtime as unknown as Runtime);
      const runsOf = (employerId: string) => store.db('sync_runs').where({ employer_id: employerId });
      // Done once its run is recorded and the slot settled.
      await expect
        .poll(() => store.db('sync_schedule_claims').where({ employer_id: a!.id }), { timeout: 10_000 })
        .toMatchObject([{ slot, done_at: expect.any(Date) }]);
      expect((await runsOf(a!.id)).map((r: { status: string }) => r.status)).toEqual(['completed']);
      expect(info).toHaveBeenCalledWith('scheduled slot missed while the service was not running runs now', {
        employer: 'missed-a',
        slot: slot.toISOString(),
      });
      expect(await runsOf(b!.id)).toEqual([]);
      expect(await runsOf(c!.id)).toEqual([]);
    } finally {
      info.mockRestore();
      await scheduler.stop();
    }
  });
});
