import { hostname } from 'node:os';
import { log } from '../log.js';
import type { Runtime } from '../runtime.js';
import { findLink, listScheduledLinks } from '../store/links.js';
import { syncDelivery } from '../sync/delivery.js';
import type { Scheduler } from './scheduler.js';

const instance = `${hostname()}:${process.pid}`;

/**
 * Claims one scheduled slot of an employer in the database. The primary key (employer, slot) makes
 * exactly one instance win, however many run the same schedule.
 */
export async function claimSlot(
  runtime: Pick<Runtime, 'store'>,
  employerId: string,
  slot: Date,
): Promise<boolean> {
  const at = new Date(Math.floor(slot.getTime() / 1000) * 1000);
  const res = (await runtime.store.db.raw(
    `insert into sync_schedule_claims (employer_id, slot, instance) values (?, ?, ?)
     on conflict do nothing returning slot`,
    [employerId, at.toISOString(), instance],
  )) as { rows: unknown[] };
  return res.rows.length === 1;
}

/** Runs a claimed slot: every delivery waiting for the employer, oldest first, until one does not complete. */
export async function runScheduledSync(runtime: Runtime, employerId: string, slot: Date): Promise<void> {
  if (!(await claimSlot(runtime, employerId, slot))) return;
  const link = await findLink(runtime.store.db, employerId);
  if (!link) return;
  for (;;) {
    const result = await syncDelivery({
      store: runtime.store,
      vault: runtime.vault,
      employerId,
      link,
      trigger: 'schedule',
      startedBy: `schedule:${instance}`,
    });
    if (!result) return;
    if (result.status !== 'completed') {
      log.warn('scheduled sync did not complete', {
        employer: link.employer.code,
        runId: result.runId,
        status: result.status,
        message: result.message,
      });
      return;
    }
    if (result.waiting === 0 || typeof link.source.folder !== 'string') return;
  }
}

/**
 * Registers each employer's sync schedule, and a job that picks up schedules added or changed through
 * the API (every minute) without a restart.
 */
export async function registerSyncJobs(scheduler: Scheduler, runtime: Runtime): Promise<void> {
  // A slot is claimed only when this instance has a free turn for it: an instance with work queued
  // leaves the slot to another instance that is free (exactly one still runs it). The turns are the
  // instance's own, shared with the runs started through the API.
  const turn = runtime.syncTurn;
  const registered = new Map<string, string>();
  const refresh = async () => {
    const links = await listScheduledLinks(runtime.store.db);
    const seen = new Set<string>();
    for (const { employerId, link } of links) {
      const name = `sync:${link.employer.code}`;
      seen.add(name);
      if (registered.get(name) === link.schedule) continue;
      scheduler.add({
        name,
        cron: link.schedule!,
        run: (slot) => turn(() => runScheduledSync(runtime, employerId, slot)),
      });
      registered.set(name, link.schedule!);
    }
    for (const name of registered.keys()) {
      if (!seen.has(name)) {
        scheduler.remove(name);
        registered.delete(name);
      }
    }
  };
  await refresh();
  scheduler.add({ name: 'sync:schedules', cron: '* * * * *', run: refresh });
}
