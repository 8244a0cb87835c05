import { log } from '../log.js';
import type { Store } from '../store/db.js';

/** How far a running run has come: its phase and the records read so far. */
export interface RunProgress {
  phase: string;
  records: number;
  /** When this was reported. */
  at: string;
}

/** How often a run waiting for its turn says it still waits (see `abandonStaleRuns`). */
export const WAITING_BEAT_MS = 30_000;

/** A run's progress is written to its record at most this often. */
const WRITE_EVERY_MS = 5_000;

/**
 * Writes a run's progress to its record on PostgreSQL, when the phase changes and at most every 5
 * seconds otherwise, so that every instance and `koppeling runs` can show it. The write goes through
 * the pool, outside the run's transaction, and is not waited for. The embedded store has one
 * connection, which the run holds until it ends: there nothing else can read meanwhile.
 */
export function progressWriter(store: Store, runId: string): (phase: string, records: number) => void {
  if (store.kind !== 'postgres') return () => undefined;
  let writtenAt = 0;
  let writtenPhase = '';
  return (phase, records) => {
    const now = Date.now();
    if (phase === writtenPhase && now - writtenAt < WRITE_EVERY_MS) return;
    writtenAt = now;
    writtenPhase = phase;
    const progress: RunProgress = { phase, records, at: new Date(now).toISOString() };
    // A write that arrives after the run ended finds it no longer running and changes nothing.
    store
      .db('sync_runs')
      .where({ id: runId, status: 'running' })
      .update({ progress: JSON.stringify(progress) })
      .catch((err: unknown) => log.debug('sync progress not written', { runId, err }));
  };
}
