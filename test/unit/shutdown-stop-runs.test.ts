import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Store } from '../../src/store/db.js';
import type { Trx } from '../../src/sync/sql.js';
import { onShutdown, stopOnSignals } from '../../src/shutdown.js';
import { stopWithSignals } from '../../src/sync/stop.js';

/** The server processes whose statement was cancelled, and what a cancel does to the run of each. */
const cancels: number[] = [];
const onCancel = new Map<number, () => void>();

/** A PostgreSQL store whose cancels reach the runs of `scheduledSlot`. */
const store = {
  kind: 'postgres',
  db: {
    client: {
      acquireRawConnection: async () => ({
        query: async (_sql: string, params: unknown[]) => {
          const pid = params[0] as number;
          cancels.push(pid);
          onCancel.get(pid)?.();
        },
      }),
      destroyRawConnection: async () => undefined,
    },
  },
} as unknown as Store;

/**
 * A scheduled slot as the service runs it: a step that keeps the store open until the slot has
 * settled, then its run, whose statement goes on until it is cancelled (it waits for a table
 * another session holds, say). Once cancelled, the run is recorded and the slot settles.
 */
async function scheduledSlot(name: string, pid: number, order: string[]): Promise<void> {
  let settle!: () => void;
  const settled = new Promise<void>((resolve) => (settle = resolve));
  onShutdown(async () => {
    await settled;
    order.push(`slot ${name} settled`);
  });
  const stop = stopWithSignals(store);
  onCancel.set(pid, () => {
    stop.done();
    settle();
  });
  await stop.attach({
    raw: async () => ({ rows: [{ pid, started: '2026-11-29 02:30:00+01' }] }),
  } as unknown as Trx);
}

describe('stopping the process while scheduled sync runs go', () => {
  const ended: string[] = [];
  beforeEach(() => {
    // The process would end by the signal: here that is only noted.
    vi.spyOn(process, 'kill').mockImplementation((_pid, signal) => {
      ended.push(String(signal));
      return true;
    });
    vi.spyOn(process, 'exit').mockImplementation(() => undefined as never);
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('When a second slot starts while the first one runs, then SIGTERM cancels both statements before any step waits for a slot, and the process ends', async () => {
    stopOnSignals();
    const order: string[] = [];
    // The service's own step, registered first: it closes the store once every slot has settled.
    onShutdown(async () => {
      order.push('store closed');
    });
    await scheduledSlot('A', 101, order);
    await scheduledSlot('B', 102, order);

    process.emit('SIGTERM', 'SIGTERM');

    await expect.poll(() => ended, { timeout: 3_000 }).toEqual(['SIGTERM']);
    expect([...cancels].sort()).toEqual([101, 102]);
    expect(order).toEqual(['slot B settled', 'slot A settled', 'store closed']);
  });
});
