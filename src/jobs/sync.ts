import { randomUUID } from 'node:crypto';
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
import {
  claimSlot,
  claimedSlots,
  finishSlot,
  holdSlots,
  instance,
  lateSlotHours,
  releaseSlot,
  retakeSlots,
} from './slots.js';

const startedBy = `schedule:${instance}`;

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
 * Runs a scheduled slot once claimed (`retaken`: claimed already, see `retakeSlots`). When the
 * process stops before the slot is done, the slot is released for another instance.
 */
export async function runScheduledSync(
  runtime: Runtime,
  employerId: string,
  slot: Date,
  retaken = false,
): Promise<void> {
  let link: Link | undefined;
  if (!retaken) {
    // A slot that got its turn while the process is stopping is left unclaimed, for another instance.
    if (stoppingSignal()) return;
    // The link is read before the slot is claimed: an instance that cannot read it (an older version
    // during an upgrade) leaves the slot to one that can. The error says why, in the log.
    link = await findLink(runtime.store.db, employerId);
    if (!link || !(await claimSlot(runtime, employerId, slot))) return;
  } else {
    // Taken again, and its turn came while the process is stopping: for another instance.
    if (stoppingSignal()) return releaseSlot(runtime, employerId, slot, 'the process stops before its turn');
    try {
      link = await findLink(runtime.store.db, employerId);
    } catch (err) {
      await releaseSlot(runtime, employerId, slot, 'this instance cannot read the link');
      throw err;
    }
  }
  // Should the process stop (a restart, a deploy), its store stays open until the slot is settled;
  // the statement its run is in is cancelled first (see `stopWithSignals`), not waited for.
  let settle!: () => void;
  const settled = new Promise<void>((resolve) => (settle = resolve));
  const unregister = onShutdown(() => settled);
  let released = false;
  try {
    const status = link ? await runClaimedSlot(runtime, employerId, link) : 'completed';
    if (stoppingSignal()) {
      // Stopped before it was done: released for another instance, or this one when it is back.
      released = status === 'failed' || status === 'stopped';
      if (released) await releaseSlot(runtime, employerId, slot, 'the process stops before it is done');
    } else if (status === 'busy') {
      // Another run of the employer is going (an upload through the API, a CLI run, or the stopped
      // run of a slot taken again): the slot is tried again a minute on, not lost for the night.
      released = true;
      await releaseSlot(runtime, employerId, slot, 'a run of the employer is still going');
    }
  } finally {
    if (!released) await finishSlot(runtime, employerId, slot);
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
  // The slots this instance holds say so while it runs, and go to another instance when it stops
  // (the scheduler stops before the store closes, once the slots going have settled).
  scheduler.onStop(holdSlots(runtime));
  const registered = new Map<string, string>();
  const reported = new Set<string>();
  const refresh = async (first = false): Promise<ListedLink[]> => {
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
      // Slots another instance (or this one, before a restart) released when it stopped, or left
      // when it died running them; at start also the slots no instance ran. Both are looked up
      // before any of them runs: on the embedded store a run holds the one connection.
      const mine = links.filter((l) => registered.has(`sync:${l.code}`)).map((l) => l.employerId);
      const retaken = await retakeSlots(runtime, mine);
      const missed = first ? await missedSlots(scheduler, runtime, links, registered) : [];
      for (const { employerId, slot } of retaken) {
        log.info('scheduled slot taken again', { employerId, slot: slot.toISOString() });
        // Tracked, so that the scheduler stops (and releases what it holds) once this has settled.
        scheduler.track(
          turn(() => runScheduledSync(runtime, employerId, slot, true)).catch((err: unknown) =>
            log.error('scheduled job failed', { employerId, err }),
          ),
        );
      }
      for (const { name, employer, slot } of missed) {
        log.info('scheduled slot missed while the service was not running runs now', {
          employer,
          slot: slot.toISOString(),
        });
        void scheduler.runLate(name, slot);
      }
    }
    return links;
  };
  const links = await refresh(true);
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
 * When the service starts: the latest slot of each scheduled link in the last day that nobody
 * claimed (the service was down then: a deploy, a stopped machine), to run now, once however many
 * instances start (the claim). A slot from before the link's schedule was set is not one of its
 * slots. In the hour repeated in October a slot counts as claimed when either instant is; it runs
 * at the second, as the cron library runs it.
 */
async function missedSlots(
  scheduler: Scheduler,
  runtime: Runtime,
  links: ListedLink[],
  registered: ReadonlyMap<string, string>,
): Promise<Array<{ name: string; employer: string; slot: Date }>> {
  const now = new Date();
  const dayAgo = new Date(now.getTime() - lateSlotHours * 3_600_000);
  // Thousands of links share a few schedules: each is read once.
  const latest = new Map<string, Date[] | undefined>();
  const due: Array<{ name: string; employer: string; employerId: string; slots: Date[] }> = [];
  for (const { employerId, code, scheduleSince } of links) {
    const name = `sync:${code}`;
    const schedule = registered.get(name);
    if (schedule === undefined) continue;
    if (!latest.has(schedule)) latest.set(schedule, scheduler.lastSlot(name, dayAgo, now));
    const slots = latest.get(schedule);
    if (slots && slots.at(-1)! > scheduleSince) due.push({ name, employer: code, employerId, slots });
  }
  const claimed = await claimedSlots(
    runtime,
    due.map((d) => d.employerId),
    due.flatMap((d) => d.slots),
  );
  return due
    .filter((d) => !d.slots.some((s) => claimed.has(`${d.employerId} ${s.getTime()}`)))
    .map((d) => ({ name: d.name, employer: d.employer, slot: d.slots.at(-1)! }));
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
