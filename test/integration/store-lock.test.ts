import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { openStore, type Store } from '../../src/store/db.js';
import { lockDataDir, lockFileName } from '../../src/store/lock.js';
import { repoRoot, spawnKoppeling, waitForOutput } from '../helpers/process.js';

/** The embedded store's data folder can be open in one process at a time. */
describe('the lock on the embedded data folder', () => {
  const dirs: string[] = [];
  const open: Store[] = [];
  afterEach(async () => {
    for (const store of open.splice(0)) await store.close().catch(() => undefined);
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  function dataDir(): string {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), 'koppeling-lock-')));
    dirs.push(dir);
    return dir;
  }

  function openIn(dir: string): Store {
    const store = openStore({ dataDir: dir });
    open.push(store);
    return store;
  }

  /** `koppeling migrate --status` in a process of its own: it opens the store and reads from it. */
  async function statusIn(dir: string, logLevel = 'error'): Promise<{ code: number | null; output: string }> {
    const proc = spawnKoppeling(['migrate', '--status'], { KOPPELING_DATA_DIR: dir, LOG_LEVEL: logLevel });
    const { code } = await proc.exited;
    return { code, output: proc.output() };
  }

  /** The id of a process that ran and is gone. */
  async function deadPid(): Promise<number> {
    const child = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => child.on('exit', resolve));
    return child.pid!;
  }

  it('When a process has the data folder open, then a command in another process fails and says which folder, which process and what to do, until the store is closed', async () => {
    const dir = dataDir();
    const store = openIn(dir);
    await store.db.raw('select 1');

    const refused = await statusIn(dir);
    expect(refused.code).toBe(1);
    expect(refused.output).toContain(
      `koppeling migrate: The data folder ${dir} is in use by Koppeling process ${process.pid}`,
    );
    expect(refused.output).toContain(
      "stop that process first, or run the command through the running server's API, or set DATABASE_URL to use PostgreSQL",
    );
    expect(refused.output).not.toContain('store: pglite');
    // The holder still works: the refused process did not touch its files.
    expect((await store.db.raw('select 1 as one')).rows).toEqual([{ one: 1 }]);

    await store.close();
    expect(existsSync(join(dir, lockFileName))).toBe(false);
    const status = await statusIn(dir);
    expect(status.output).toContain(`store: pglite at ${join(dir, 'pgdata')}`);
    expect(status.code).toBe(0);
    expect(existsSync(join(dir, lockFileName))).toBe(false);
  });

  it('When the lock was left by a process that no longer runs, then the next process takes it over', async () => {
    const dir = dataDir();
    const pid = await deadPid();
    const since = new Date().toISOString();
    writeFileSync(join(dir, lockFileName), JSON.stringify({ pid, host: hostname(), since, token: 'x' }));
    // A claim left by a process that died while taking over another lock goes too.
    const claim = join(dir, `${lockFileName}.takeover-0123456789abcdef-0`);
    writeFileSync(claim, '4242');
    utimesSync(claim, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));

    const status = await statusIn(dir, 'warn');
    expect(status.output).toContain('store: pglite');
    expect(status.code).toBe(0);
    expect(existsSync(join(dir, lockFileName))).toBe(false);
    expect(existsSync(claim)).toBe(false);
    // The operator can see that, why and from which process the lock was taken over.
    const taken = status.output
      .split('\n')
      .filter((l) => l.includes('lock taken over'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(taken).toEqual([
      expect.objectContaining({ level: 'warn', why: 'that process no longer runs', pid, since }),
    ]);

    writeFileSync(join(dir, lockFileName), JSON.stringify({ pid, host: hostname(), since, token: 'y' }));
    const store = openIn(dir);
    await store.db.raw('select 1');
    expect(JSON.parse(readFileSync(join(dir, lockFileName), 'utf8'))).toMatchObject({ pid: process.pid });
  });

  /** When a running process started (clock ticks since boot) and the boot it started in, from /proc. */
  function procOf(pid: number): { procStart: string; bootId: string } {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return {
      procStart: stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]!,
      bootId: readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim(),
    };
  }

  const hasProc = existsSync('/proc/self/stat');

  it.runIf(hasProc)(
    'When the lock names a running process that started at another moment (its id was reused), then it is taken over; with the start time of that process it is kept',
    () => {
      const dir = dataDir();
      const file = join(dir, lockFileName);
      // The test's parent process runs for as long as the test does.
      const pid = process.ppid;
      const { procStart, bootId } = procOf(pid);
      const lock = (fields: object) =>
        JSON.stringify({ pid, host: hostname(), since: '2026-01-01T00:00:00.000Z', token: 't', ...fields });

      writeFileSync(file, lock({ procStart: String(Number(procStart) + 1), bootId }));
      lockDataDir(dir).release();

      writeFileSync(file, lock({ procStart, bootId }));
      expect(() => lockDataDir(dir)).toThrow(`is in use by Koppeling process ${pid} (since 2026-01-01`);
      // A lock file without them (written by an earlier version) is judged by the process id alone.
      writeFileSync(file, lock({}));
      expect(() => lockDataDir(dir)).toThrow(`is in use by Koppeling process ${pid}`);
      expect(readFileSync(file, 'utf8')).toBe(lock({}));
    },
  );

  it.runIf(hasProc)(
    'When the lock names a process that has ended but was not yet reaped by its parent (a zombie), then it is taken over',
    async () => {
      const dir = dataDir();
      // `sleep 0` ends at once; the shell then becomes `sleep 5`, which never reaps it.
      const parent = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 5']);
      const pid = Number(
        (await new Promise<Buffer>((resolve) => parent.stdout.once('data', resolve))).toString(),
      );
      try {
        await expect.poll(() => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]![0]).toBe('Z');
        const { procStart, bootId } = procOf(pid);
        const since = '2026-01-01T00:00:00.000Z';
        writeFileSync(
          join(dir, lockFileName),
          JSON.stringify({ pid, host: hostname(), since, procStart, bootId }),
        );
        lockDataDir(dir).release();
      } finally {
        parent.kill();
      }
    },
  );

  it.runIf(hasProc)(
    'When the lock was written before the machine last started (another boot id), then it is taken over even though a process with its id runs',
    () => {
      const dir = dataDir();
      const { procStart } = procOf(process.ppid);
      const stale = { pid: process.ppid, host: hostname(), since: '', procStart, bootId: 'an-earlier-boot' };
      writeFileSync(join(dir, lockFileName), JSON.stringify(stale));

      const lock = lockDataDir(dir);
      expect(JSON.parse(readFileSync(lock.file, 'utf8'))).toMatchObject({
        pid: process.pid,
        ...procOf(process.pid),
      });
      lock.release();
      expect(existsSync(lock.file)).toBe(false);
    },
  );

  it('When the lock was written on another host, then it is kept and the message names that host and the lock file', async () => {
    const dir = dataDir();
    const lock = JSON.stringify({ pid: await deadPid(), host: 'other-host', since: '', token: 'h' });
    writeFileSync(join(dir, lockFileName), lock);

    expect(() => openStore({ dataDir: dir })).toThrow(
      `If no Koppeling process runs on other-host any more, remove ${join(dir, lockFileName)}.`,
    );
    expect(readFileSync(join(dir, lockFileName), 'utf8')).toBe(lock);
  });

  it('When this process opens a folder it already has open, then it is refused until the first store is closed', async () => {
    const dir = dataDir();
    const first = openIn(dir);
    await first.db.raw('create table kept (n int)');
    await first.db.raw('insert into kept values (7)');

    let refused: unknown;
    try {
      openStore({ dataDir: join(dir, '.') });
    } catch (err) {
      refused = err;
    }
    expect(refused).toBeInstanceOf(AppError);
    expect((refused as AppError).message).toBe(
      `The data folder ${dir} is already open in this process (pid ${process.pid}); close the store before opening it again.`,
    );

    await first.close();
    const again = openIn(dir);
    expect((await again.db.raw('select n from kept')).rows).toEqual([{ n: 7 }]);
  });

  it('When several processes find the same stale lock at once, then exactly one takes it over', async () => {
    const dir = dataDir();
    writeFileSync(
      join(dir, lockFileName),
      JSON.stringify({ pid: await deadPid(), host: hostname(), since: '', token: 'z' }),
    );
    const startAt = String(Date.now() + 4_000);
    const takers = Array.from({ length: 4 }, () =>
      spawnTaker(['--import', 'tsx', join(repoRoot, 'test/helpers/lock-taker.ts'), dir, startAt]),
    );
    try {
      for (const t of takers) await waitForOutput(t.output, /taken|refused/, 30_000);
      const lines = takers.map((t) => t.output().trim());
      expect(lines.filter((l) => l === 'taken')).toHaveLength(1);
      for (const l of lines.filter((l) => l !== 'taken'))
        expect(l).toMatch(/^refused: The data folder .* is in use/);
    } finally {
      for (const t of takers) t.child.kill('SIGKILL');
    }
  });
});

function spawnTaker(args: string[]) {
  const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += String(d)));
  child.stderr.on('data', (d) => (out += String(d)));
  return { child, output: () => out };
}
