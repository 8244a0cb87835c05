import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { log } from '../log.js';
import type { Runtime } from '../runtime.js';
import { findLink, listLinks, type ListedLink } from '../store/links.js';
import { prepareDelivery, runDelivery, type PreparedDelivery } from '../sync/delivery.js';
import { failedRunMessage } from '../sync/engine.js';
import type { Link } from '../sync/link.js';
import { recordFailedRun } from '../sync/runs.js';
import { checkStoredLink } from '../sync/link-check.js';
import type { Scheduler } from './scheduler.js';
import { onShutdown, stoppingSignal } from '../shutdown.js';

const instance = `${hostname()}:${process.pid}`;
const startedBy = `schedule:${instance}`;

/** A slot as claims store it: to the whole second, the same on every instance. */
const slotAt = (slot: Date) => new Date(Math.floor(slot.getTime() / 1000) * 1000);

/**
 * Claims one scheduled slot of an employer in the database. The primary key (employer, slot) makes
 * exactly one instance win, however many run the same schedule.
 */
export async function claimSlot(
  runtime: Pick<Runtime, 'store'>,
  employerId: string,
  slot: Date,
): Promise<boolean> {
  const at = slotAt(slot);
  const res = (await runtime.store.db.raw(
    `insert into sync_schedule_claims (employer_id, slot, instance) values (?, ?, ?)
     on conflict do nothing returning slot`,
    [employerId, at.toISOString(), instance],
  )) as { rows: unknown[] };
  return res.rows.length === 1;
}

/**
 * Releases a claimed slot that this instance stops before it is done: an instance that runs on, or
 * this one when it is back, takes it again (`retakeReleasedSlots`) and runs it.
 */
async function releaseSlot(
  runtime: Pick<Runtime, 'store'>,
  employerId: string,
  slot: Date,
  why: string,
): Promise<void> {
  const at = slotAt(slot);
  try {
    await runtime.store
      .db('sync_schedule_claims')
      .where({ employer_id: employerId, slot: at, instance })
      .update({ released_at: runtime.store.db.fn.now() });
    log.info('scheduled slot released for another turn', { employerId, slot: at.toISOString(), why });
  } catch (err) {
    log.error('scheduled slot not released; it runs again at its next slot', { employerId, err });
  }
}

/** How long a released slot is still taken again: after a day the next slots have come. */
const releasedSlotHours = 24;

/**
 * Takes the released slots of `employerIds` for this instance: each exactly once, however many
 * instances try at the same time (the update of a row waits for the one before it, then finds it
 * taken).
 */
export async function retakeReleasedSlots(
  runtime: Pick<Runtime, 'store'>,
  employerIds: string[],
): Promise<Array<{ employerId: string; slot: Date }>> {
  if (employerIds.length === 0) return [];
  const res = (await runtime.store.db.raw(
    `update sync_schedule_claims set released_at = null, instance = ?, claimed_at = now()
      where released_at is not null and released_at > now() - make_interval(hours => ?)
        and employer_id in (select jsonb_array_elements_text(?::jsonb)::uuid)
      returning employer_id, slot`,
    [instance, releasedSlotHours, JSON.stringify(employerIds)],
  )) as { rows: Array<{ employer_id: string; slot: Date | string }> };
  return res.rows.map((r) => ({ employerId: r.employer_id, slot: new Date(r.slot) }));
}

/**
 * The next delivery of a scheduled run. Nothing waiting is no run at all (the CLI's "no delivery");
 * a link that cannot run (its mapping file cannot be loaded, say) is recorded as a failed run with
 * the reason, so it shows with the employer's runs and not only in the log.
 */
async function nextScheduled(
  runtime: Runtime,
  employerId: string,
  link: Link,
): Promise<PreparedDelivery | undefined> {
  try {
    return await prepareDelivery(link, undefined, runtime.config.sourceRoots);
  } catch (err) {
    const id = randomUUID();
    const run = {
      id,
      employerId,
      trigger: 'schedule',
      connector: link.connector,
      delivery: link.delivery,
      startedBy,
    } as const;
    await recordFailedRun(runtime.store.db, run, failedRunMessage(err, id, link.employer.code));
    return undefined;
  }
}

/**
 * Runs a scheduled slot once claimed (`retaken`: claimed already, see `retakeReleasedSlots`). When
 * the process stops before the slot is done, the slot is released for another instance.
 */
export async function runScheduledSync(
  runtime: Runtime,
  employerId: string,
  slot: Date,
  retaken = false,
): Promise<void> {
  // A slot that got its turn while the process is stopping is left unclaimed, for another instance.
  if (stoppingSignal()) return;
  // The link is read before the slot is claimed: an instance that cannot read it (an older version
  // during an upgrade) leaves the slot to one that can. The error says why, in the log.
  const link = await findLink(runtime.store.db, employerId);
  if (!link) return;
  if (!retaken && !(await claimSlot(runtime, employerId, slot))) return;
  // Should the process stop (a restart, a deploy), its store stays open until the slot is settled.
  let settle!: () => void;
  const settled = new Promise<void>((resolve) => (settle = resolve));
  const unregister = onShutdown(() => settled);
  try {
    const status = await runClaimedSlot(runtime, employerId, link);
    if (stoppingSignal()) {
      // Stopped before it was done: released for another instance, or this one when it is back.
      if (status === 'failed' || status === 'stopped')
        await releaseSlot(runtime, employerId, slot, 'the process stops before it is done');
    } else if (status === 'busy') {
      // Another run of the employer is going (an upload through the API, a CLI run, or the stopped
      // run of a slot taken again): the slot is tried again a minute on, not lost for the night.
      await releaseSlot(runtime, employerId, slot, 'a run of the employer is still going');
    }
  } finally {
    settle();
    if (!stoppingSignal()) unregister();
  }
}

/**
 * Every delivery waiting for the employer, oldest first, until one does not complete (the status of
 * the last run).
 */
async function runClaimedSlot(runtime: Runtime, employerId: string, link: Link): Promise<string> {
  for (;;) {
    // Stopping: the deliveries still waiting stay for the slot's next taker.
    if (stoppingSignal()) return 'stopped';
    const prepared = await nextScheduled(runtime, employerId, link);
    if (!prepared) return 'completed';
    const result = await runDelivery(
      {
        store: runtime.store,
        vault: runtime.vault,
        employerId,
        link,
        trigger: 'schedule',
        startedBy,
      },
      prepared,
    );
    if (result.status !== 'completed') {
      log.warn('scheduled sync did not complete', {
        employer: link.employer.code,
        runId: result.runId,
        status: result.status,
        message: result.message,
      });
      return result.status;
    }
    // A file that could not be moved would be taken again: the next slot tries after the cause is fixed.
    if (result.fileNotMoved) {
      log.error('scheduled sync stopped: delivery file not moved', {
        employer: link.employer.code,
        message: result.message,
      });
      return result.status;
    }
    if (result.waiting === 0 || typeof link.source.folder !== 'string') return result.status;
  }
}

/** The job that picks up added, changed and removed schedules every minute. */
export const refreshJobName = 'system:sync-schedules';

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
  const reported = new Set<string>();
  const refresh = async (): Promise<ListedLink[]> => {
    const links = await listLinks(runtime.store.db, { scheduled: true });
    const seen = new Set<string>();
    for (const { employerId, code, link, problem } of links) {
      const name = `sync:${code}`;
      seen.add(name);
      if (problem !== undefined) {
        // Said once (this refresh runs every minute); its runs fail with the same words meanwhile.
        if (!reported.has(`${name}:${problem}`))
          log.warn('stored link cannot be read', { employer: code, problem });
        reported.add(`${name}:${problem}`);
      }
      if (!link) continue;
      if (registered.get(name) === link.schedule) continue;
      try {
        scheduler.add({
          name,
          cron: link.schedule!,
          run: (slot) => turn(() => runScheduledSync(runtime, employerId, slot)),
        });
        registered.set(name, link.schedule!);
      } catch (err) {
        // One schedule that cannot be started stops neither the others nor the service; the one
        // it replaces no longer runs (it is not what the link says).
        scheduler.remove(name);
        registered.delete(name);
        const problem = (err as Error).message;
        if (!reported.has(`${name}:${problem}`))
          log.error('schedule of a link cannot be started', { employer: code, problem });
        reported.add(`${name}:${problem}`);
      }
    }
    for (const name of registered.keys()) {
      if (!seen.has(name)) {
        scheduler.remove(name);
        registered.delete(name);
      }
    }
    if (!stoppingSignal()) {
      // Slots another instance (or this one, before a restart) released when it stopped.
      const mine = links.filter((l) => registered.has(`sync:${l.code}`)).map((l) => l.employerId);
      for (const { employerId, slot } of await retakeReleasedSlots(runtime, mine)) {
        log.info('released scheduled slot taken again', { employerId, slot: slot.toISOString() });
        void turn(() => runScheduledSync(runtime, employerId, slot, true)).catch((err: unknown) =>
          log.error('scheduled job failed', { employerId, err }),
        );
      }
    }
    return links;
  };
  const links = await refresh();
  scheduler.add({
    // Not `sync:<code>`: an employer may have any code, `schedules` too.
    name: refreshJobName,
    cron: '* * * * *',
    run: async () => {
      await refresh();
    },
  });
  // A scheduled link that cannot run is said when the service starts, not only when its slot comes.
  void warnLinksThatCannotRun(links, runtime.config.sourceRoots).catch((err: unknown) =>
    log.error('checking the scheduled links failed', { err }),
  );
}

/**
 * Logs each scheduled link that could not run now (`koppeling links check` lists them all); one
 * that cannot be read was said when it was registered.
 */
async function warnLinksThatCannotRun(links: ListedLink[], roots: readonly string[]): Promise<void> {
  for (const stored of links) {
    if (stored.problem !== undefined) continue;
    const status = await checkStoredLink(stored, roots);
    if (!status.ok)
      log.warn('scheduled link cannot run', { employer: status.employer, problem: status.message });
  }
}
