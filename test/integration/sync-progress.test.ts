import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { findRun } from '../../src/sync/runs.js';
import type { MappingOutcome } from '../../src/sync/types.js';
import { testStoreKind } from '../helpers/store.js';
import { person, syncTestStore } from '../helpers/sync.js';

/** An operator can see how far a long run has come while it goes. */

const bed = syncTestStore('progress');

// The embedded store has one connection, which the run holds: nothing reads meanwhile.
describe.runIf(testStoreKind === 'postgres')('the progress of a running sync run', () => {
  it('When a run is going, then its record shows its phase and the records read so far, and nothing once it has ended', async () => {
    const { run } = await bed.employer();
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    // More than one staging batch (2,500 records), then the delivery waits until the test has looked.
    async function* delivery(): AsyncIterable<MappingOutcome> {
      for (let i = 1; i <= 2_600; i++) yield person(String(i));
      await gate;
      yield person('9999');
    }
    const runId = randomUUID();
    const running = run([], { input: delivery(), runId });

    await expect
      .poll(async () => (await findRun(bed.store.db, runId))?.progress, { timeout: 30_000 })
      .toMatchObject({ phase: 'staging', records: 2_500 });

    open();
    const result = await running;
    expect(result.status).toBe('completed');
    expect(result.counts.created).toBe(2_601);
    const ended = await findRun(bed.store.db, runId);
    expect(ended).toMatchObject({ status: 'completed', progress: null });
    expect((await bed.store.db('sync_runs').where({ id: runId }).first('progress')).progress).toBeNull();
  });

  it('When a run waits for its turn, then its record says so', async () => {
    const { run } = await bed.employer();
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const runId = randomUUID();
    const running = run([person('1')], { runId, turn: async (task) => (await gate, task()) });
    await expect
      .poll(async () => (await findRun(bed.store.db, runId))?.progress, { timeout: 10_000 })
      .toMatchObject({ phase: 'waiting', records: 0 });
    open();
    expect((await running).status).toBe('completed');
  });
});
