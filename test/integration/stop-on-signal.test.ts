import { existsSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/db.js';
import { lockFileName } from '../../src/store/lock.js';
import { exitStatus, spawnScript, waitForOutput, type SpawnedProcess } from '../helpers/process.js';

/** A process with the embedded store open that is stopped as Ctrl-C, systemd or `docker stop` stop it. */
describe('a process stopped by SIGINT or SIGTERM', () => {
  const dirs: string[] = [];
  const procs: SpawnedProcess[] = [];
  afterEach(() => {
    for (const p of procs.splice(0)) p.child.kill('SIGKILL');
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  /** Starts a process that has the store in a fresh data folder open, inside a transaction. */
  async function holding(mode = ''): Promise<{ dir: string; proc: SpawnedProcess }> {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), 'koppeling-signal-')));
    dirs.push(dir);
    const proc = spawnScript('test/helpers/store-holder.ts', [dir, mode]);
    procs.push(proc);
    await waitForOutput(proc.output, 'holding', 60_000);
    expect(existsSync(join(dir, lockFileName))).toBe(true);
    return { dir, proc };
  }

  async function rowsIn(dir: string): Promise<unknown[]> {
    const store = openStore({ dataDir: dir });
    try {
      return (await store.db.raw('select n from kept order by n')).rows;
    } finally {
      await store.close();
    }
  }

  for (const [signal, status] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    it(`When it gets ${signal}, then it rolls back its open transaction, closes the store, removes its lock and ends with status ${status}`, async () => {
      const { dir, proc } = await holding();
      proc.child.kill(signal);

      // It ends by the signal itself, as the shell, systemd and Docker expect of it.
      expect(await proc.exited).toEqual({ code: null, signal });
      expect(exitStatus(await proc.exited)).toBe(status);
      expect(existsSync(join(dir, lockFileName))).toBe(false);
      // The committed row is kept, the one of the open transaction is not.
      expect(await rowsIn(dir)).toEqual([{ n: 1 }]);
    });
  }

  it('When stopping is stuck (in a long statement, say), then a second signal ends the process at once and the next process takes its lock over', async () => {
    const { dir, proc } = await holding('stuck');
    proc.child.kill('SIGTERM');
    await waitForOutput(proc.output, 'stuck');
    const first = await Promise.race([
      proc.exited,
      new Promise((r) => setTimeout(() => r('running'), 1_000)),
    ]);
    expect(first).toBe('running');

    const sent = Date.now();
    proc.child.kill('SIGINT');
    expect(await proc.exited).toEqual({ code: null, signal: 'SIGINT' });
    expect(Date.now() - sent).toBeLessThan(5_000);
    // Its store was not closed: the next process takes the lock over, and the open transaction is
    // rolled back as the database recovers.
    expect(existsSync(join(dir, lockFileName))).toBe(true);
    expect(await rowsIn(dir)).toEqual([{ n: 1 }]);
    expect(existsSync(join(dir, lockFileName))).toBe(false);
  });
});
