import { setTimeout as delay } from 'node:timers/promises';
import type { Store } from '../store/db.js';
import { cancelOnShutdown } from '../shutdown.js';
import type { Trx } from './sql.js';

/** How a run ends when the process is stopped by SIGINT or SIGTERM while it goes. */
export interface RunStop {
  /** The run's transaction holds its connection: on PostgreSQL a signal cancels its statement. */
  attach(trx: Trx): Promise<void>;
  /** The run is recorded: the process may close its store and end. */
  done(): void;
}

interface Going {
  cancel?: () => Promise<void>;
  recorded: Promise<void>;
}

/** How often a run's statement is cancelled again while it is not recorded yet. */
const CANCEL_AGAIN_MS = 1_000;

/** The runs going in this process. */
const going = new Set<Going>();
let unregister: (() => void) | undefined;

/**
 * Stops every run going: first each one's statement is cancelled, then each is awaited until it is
 * recorded, so a run that waits for its turn does not hold up cancelling the one it waits for. Runs
 * that started meanwhile are awaited too.
 */
async function stopAll(): Promise<void> {
  while (going.size > 0) {
    const runs = [...going];
    await Promise.all(runs.map(stopRun));
    for (const r of runs) going.delete(r);
  }
}

/**
 * Cancels a run's statement until the run is recorded: a statement sent just before the signal may
 * not have started when the first cancel looks for it.
 */
async function stopRun(run: Going): Promise<void> {
  let recorded = false;
  void run.recorded.then(() => (recorded = true));
  while (!recorded) {
    await run.cancel?.();
    await Promise.race([run.recorded, delay(CANCEL_AGAIN_MS)]);
  }
}

/**
 * While a run goes, stopping the process waits for the run to be recorded before the store closes:
 * the run fails at its next statement (see `unlessStopping` in sql.ts), its transaction is rolled
 * back and it is recorded as stopped, instead of being left as running. On PostgreSQL the statement
 * under way is cancelled, so the stop does not wait for it; the embedded store runs it to its end
 * first (it cannot be interrupted), seconds at most.
 */
export function stopWithSignals(store: Store): RunStop {
  let recorded!: () => void;
  const run: Going = { recorded: new Promise<void>((resolve) => (recorded = resolve)) };
  going.add(run);
  // Registered while runs go. It runs before every other step of the stop: before the store closes,
  // and before any step that waits for a run to end (a scheduled slot's), whichever run started first.
  unregister ??= cancelOnShutdown(stopAll);
  return {
    async attach(trx) {
      if (store.kind !== 'postgres') return;
      const [self] = (await trx.raw(`select pg_backend_pid() as pid, now()::text as started`)).rows as Array<{
        pid: number;
        started: string;
      }>;
      // Only a statement of this very transaction: its connection may serve another by the time
      // the cancel arrives.
      run.cancel = () => cancelStatement(store, self!.pid, self!.started);
    },
    done() {
      delete run.cancel;
      recorded();
      going.delete(run);
      if (going.size === 0 && unregister) {
        unregister();
        unregister = undefined;
      }
    },
  };
}

interface RawClient {
  acquireRawConnection(): Promise<{ query(sql: string, params: unknown[]): Promise<unknown> }>;
  destroyRawConnection(connection: unknown): Promise<void>;
}

/** Cancels the statement a transaction is running, on a connection of its own (not the pool's). */
async function cancelStatement(store: Store, pid: number, started: string): Promise<void> {
  const client = store.db.client as RawClient;
  try {
    const conn = await client.acquireRawConnection();
    try {
      await conn.query(
        `select pg_cancel_backend(pid) from pg_stat_activity
          where pid = $1 and xact_start = $2::timestamptz and state = 'active'`,
        [pid, started],
      );
    } finally {
      await client.destroyRawConnection(conn);
    }
  } catch {
    // The stop goes on: the run then ends when its statement does.
  }
}
