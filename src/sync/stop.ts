import type { Store } from '../store/db.js';
import { onShutdown } from '../shutdown.js';
import type { Trx } from './sql.js';

/** How a run ends when the process is stopped by SIGINT or SIGTERM while it goes. */
export interface RunStop {
  /** The run's transaction holds its connection: on PostgreSQL a signal cancels its statement. */
  attach(trx: Trx): Promise<void>;
  /** The transaction has ended: nothing to cancel any more. */
  detach(): void;
  /** The run is recorded: the process may close its store and end. */
  done(): void;
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
  const isRecorded = new Promise<void>((resolve) => (recorded = resolve));
  let cancel: (() => Promise<void>) | undefined;
  const unregister = onShutdown(async () => {
    await cancel?.();
    await isRecorded;
  });
  return {
    async attach(trx) {
      if (store.kind !== 'postgres') return;
      // Inside a transaction knex hands out the transaction's own connection.
      const conn = await (trx.client as { acquireConnection(): Promise<unknown> }).acquireConnection();
      const client = store.db.client as { cancelQuery(connection: unknown): Promise<unknown> };
      cancel = () =>
        client.cancelQuery(conn).then(
          () => undefined,
          () => undefined,
        );
    },
    detach() {
      cancel = undefined;
    },
    done() {
      cancel = undefined;
      unregister();
      recorded();
    },
  };
}
