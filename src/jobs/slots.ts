import { log } from '../log.js';
import { processName } from '../process-name.js';
import type { Runtime } from '../runtime.js';

/** This instance, as claims and the runs it starts name it. */
export const instance = processName;

/** When this process started: on the embedded store every claim of an earlier process is over. */
const processStarted = new Date();

/** A slot as claims store it: to the whole second, the same on every instance. */
const slotAt = (slot: Date) => new Date(Math.floor(slot.getTime() / 1000) * 1000);

/** How often an instance says it still holds its slots (`beat_at`), on PostgreSQL. */
export const SLOT_BEAT_MS = 30_000;

/** A slot whose instance said nothing for this many beats is taken for one whose process died. */
const beatsBeforeLost = 4;

/** How often a slot is taken over from a process that died running it, before it is given up. */
export const maxTakeovers = 2;

/**
 * How long a slot is still run late (released, lost with its instance, or missed while no instance
 * ran): after a day the next slots have come.
 */
export const lateSlotHours = 24;

type SlotRuntime = Pick<Runtime, 'store'>;

/**
 * Claims one scheduled slot of an employer in the database. The primary key (employer, slot) makes
 * exactly one instance win, however many run the same schedule.
 */
export async function claimSlot(runtime: SlotRuntime, employerId: string, slot: Date): Promise<boolean> {
  const res = (await runtime.store.db.raw(
    `insert into sync_schedule_claims (employer_id, slot, instance, beats) values (?, ?, ?, true)
     on conflict do nothing returning slot`,
    [employerId, slotAt(slot).toISOString(), instance],
  )) as { rows: unknown[] };
  return res.rows.length === 1;
}

/** The claims among these employers and slot instants, as `employerId slotMilliseconds`. */
export async function claimedSlots(
  runtime: SlotRuntime,
  employerIds: string[],
  slots: Date[],
): Promise<Set<string>> {
  if (employerIds.length === 0) return new Set();
  const instants = [...new Set(slots.map((s) => slotAt(s).toISOString()))];
  const found = (await runtime.store
    .db('sync_schedule_claims')
    .whereRaw('employer_id in (select jsonb_array_elements_text(?::jsonb)::uuid)', [
      JSON.stringify(employerIds),
    ])
    .whereRaw('slot in (select jsonb_array_elements_text(?::jsonb)::timestamptz)', [JSON.stringify(instants)])
    .select('employer_id', 'slot')) as Array<{ employer_id: string; slot: Date | string }>;
  return new Set(found.map((f) => `${f.employer_id} ${new Date(f.slot).getTime()}`));
}

const claimOf = (runtime: SlotRuntime, employerId: string, slot: Date) =>
  runtime.store.db('sync_schedule_claims').where({ employer_id: employerId, slot: slotAt(slot), instance });

/**
 * While the scheduler runs: says every 30 seconds, in one statement, that this instance still holds
 * the slots it claimed and has not done (going, or waiting for a turn), so none is taken for lost.
 * On the embedded store one process alone runs slots, and its one connection is the run's: there a
 * slot of an earlier process is over once this one starts, and nothing is said. The returned
 * function stops it and releases the slots still held, for another instance at once: on a clean
 * stop those are the ones still waiting for a turn (a slot going settles itself first).
 */
export function holdSlots(runtime: SlotRuntime, everyMs = SLOT_BEAT_MS): () => Promise<void> {
  const db = runtime.store.db;
  const held = () =>
    db('sync_schedule_claims').where({ instance }).whereNull('done_at').whereNull('released_at');
  const timer =
    runtime.store.kind === 'postgres'
      ? setInterval(() => {
          held()
            .update({ beat_at: db.fn.now() })
            .catch((err: unknown) => log.warn('scheduled slots could not say they are still held', { err }));
        }, everyMs)
      : undefined;
  timer?.unref();
  return async () => {
    clearInterval(timer);
    try {
      const released = await held().update({ released_at: db.fn.now() });
      if (released > 0) log.info('scheduled slots released for another turn', { slots: released });
    } catch (err) {
      log.error('scheduled slots not released; another instance takes them over later', { err });
    }
  };
}

/** Records that this instance is done with a claimed slot: nobody takes it over. */
export async function finishSlot(runtime: SlotRuntime, employerId: string, slot: Date): Promise<void> {
  try {
    await claimOf(runtime, employerId, slot).update({ done_at: runtime.store.db.fn.now() });
  } catch (err) {
    log.error('scheduled slot not recorded as done; another instance may run it again', { employerId, err });
  }
}

/**
 * Releases a claimed slot that this instance stops before it is done: an instance that runs on, or
 * this one when it is back, takes it again (`retakeSlots`) and runs it.
 */
export async function releaseSlot(
  runtime: SlotRuntime,
  employerId: string,
  slot: Date,
  why: string,
): Promise<void> {
  try {
    await claimOf(runtime, employerId, slot).update({ released_at: runtime.store.db.fn.now() });
    log.info('scheduled slot released for another turn', {
      employerId,
      slot: slotAt(slot).toISOString(),
      why,
    });
  } catch (err) {
    log.error('scheduled slot not released; it runs again at its next slot', { employerId, err });
  }
}

/** SQL and bindings of "the instance running this claim died": silent for a while, or of an earlier process. */
function lost(runtime: SlotRuntime): { sql: string; bindings: Array<string | number> } {
  return runtime.store.kind === 'postgres'
    ? {
        sql: `beat_at < now() - make_interval(secs => ?)`,
        bindings: [(beatsBeforeLost * SLOT_BEAT_MS) / 1000],
      }
    : { sql: `beat_at < ?`, bindings: [processStarted.toISOString()] };
}

/**
 * Takes, for this instance, the slots of `employerIds` that are not done: released by an instance
 * that stopped, or lost with one that died while running them (at most `maxTakeovers` times; then
 * the slot is given up and the log says so). Each exactly once, however many instances try at the
 * same time (the update of a row waits for the one before it, then finds it taken).
 */
export async function retakeSlots(
  runtime: SlotRuntime,
  employerIds: string[],
): Promise<Array<{ employerId: string; slot: Date }>> {
  if (employerIds.length === 0) return [];
  const db = runtime.store.db;
  const gone = lost(runtime);
  const mine = `employer_id in (select jsonb_array_elements_text(?::jsonb)::uuid)`;
  // Claimed in the last day by an instance that says it holds its slots, and silent since.
  const lostClaim = `beats and released_at is null and claimed_at > now() - make_interval(hours => ?) and ${gone.sql}`;
  const bindings = [JSON.stringify(employerIds), lateSlotHours, ...gone.bindings];
  const givenUp = (await db.raw(
    `update sync_schedule_claims set done_at = now()
      where ${mine} and done_at is null and ${lostClaim} and taken_over >= ?
      returning employer_id, slot, instance`,
    [...bindings, maxTakeovers],
  )) as { rows: Array<{ employer_id: string; slot: Date | string; instance: string }> };
  for (const r of givenUp.rows) {
    log.error('scheduled slot given up: the process running it stopped without a word each time', {
      employerId: r.employer_id,
      slot: new Date(r.slot).toISOString(),
      lastInstance: r.instance,
      attempts: maxTakeovers + 1,
    });
  }
  const res = (await db.raw(
    `update sync_schedule_claims
        set taken_over = taken_over + case when released_at is null then 1 else 0 end,
            released_at = null, instance = ?, claimed_at = now(), beat_at = now(), beats = true
      where ${mine} and done_at is null
        and (${lostClaim} and taken_over < ? or released_at > now() - make_interval(hours => ?))
      returning employer_id, slot`,
    [instance, ...bindings, maxTakeovers, lateSlotHours],
  )) as { rows: Array<{ employer_id: string; slot: Date | string }> };
  return res.rows.map((r) => ({ employerId: r.employer_id, slot: new Date(r.slot) }));
}
