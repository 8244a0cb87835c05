import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  openSync,
  readdirSync,
  readFileSync,
  realpathSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { AppError } from '../errors.js';
import { log } from '../log.js';

/** The lock file in the data folder: present while a process has the embedded store open. */
export const lockFileName = 'store.lock';

/** What a lock file says about the process that holds it. */
export interface LockOwner {
  pid: number;
  host: string;
  since: string;
  /** Linux: when the process started, in clock ticks since boot (`/proc/<pid>/stat`, field 22). */
  procStart?: string;
  /** Linux: the boot it started in (`/proc/sys/kernel/random/boot_id`). */
  bootId?: string;
}

export interface DataDirLock {
  /** The lock file. */
  file: string;
  /** Removes the lock file (once; a later call does nothing). */
  release(): void;
}

/** A lock file being written is given this long to get its content. */
const WRITING_MS = 2_000;
/** A takeover takes microseconds; a claim on one that is older was left by a process that died in it. */
const CLAIM_ABANDONED_MS = 10_000;

/** Lock files this process holds, by path, with the content it wrote. */
const held = new Map<string, string>();
let exitHook = false;

function errnoOf(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException).code;
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** False only when no process with this id runs (ESRCH); a process of another user (EPERM) runs. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errnoOf(err) !== 'ESRCH';
  }
}

function readProc(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined; // No /proc (not Linux), or hidden from this user.
  }
}

/** Field `n` (from 1) of `/proc/<pid>/stat`, from field 3 on. */
function procStat(pid: number | 'self', n: number): string | undefined {
  const stat = readProc(`/proc/${pid}/stat`);
  // The command name (field 2) is in parentheses and may itself hold spaces and parentheses.
  return stat?.slice(stat.lastIndexOf(')') + 2).split(' ')[n - 3];
}

/** When a process started, in clock ticks since boot: field 22 of `/proc/<pid>/stat`. */
function procStart(pid: number | 'self'): string | undefined {
  const start = procStat(pid, 22);
  return start && /^\d+$/.test(start) ? start : undefined;
}

function bootId(): string | undefined {
  return readProc('/proc/sys/kernel/random/boot_id')?.trim() || undefined;
}

/** Creates `file` with `content` only when it does not exist yet; false when it does. */
function createExclusive(file: string, content: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o644);
  } catch (err) {
    if (errnoOf(err) === 'EEXIST') return false;
    throw err;
  }
  try {
    writeSync(fd, content);
  } catch (err) {
    closeSync(fd);
    unlinkSync(file);
    throw err;
  }
  closeSync(fd);
  return true;
}

function unlinkIfPresent(file: string): void {
  try {
    unlinkSync(file);
  } catch (err) {
    if (errnoOf(err) !== 'ENOENT') throw err;
  }
}

interface LockFile {
  raw: string;
  owner?: LockOwner;
  ageMs: number;
}

function readLock(file: string): LockFile | undefined {
  try {
    const ageMs = Date.now() - statSync(file).mtimeMs;
    const raw = readFileSync(file, 'utf8');
    let owner: LockOwner | undefined;
    try {
      const parsed = JSON.parse(raw) as Partial<LockOwner>;
      if (Number.isSafeInteger(parsed.pid) && parsed.pid! > 0 && typeof parsed.host === 'string') {
        owner = { pid: parsed.pid!, host: parsed.host, since: String(parsed.since ?? '') };
        // Written by versions that record them; older lock files have neither.
        if (typeof parsed.procStart === 'string') owner.procStart = parsed.procStart;
        if (typeof parsed.bootId === 'string') owner.bootId = parsed.bootId;
      }
    } catch {
      // Being written, or damaged: judged by its age below.
    }
    return { raw, owner, ageMs };
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return undefined;
    throw err;
  }
}

type Verdict = { verdict: 'held' } | { verdict: 'writing' } | { verdict: 'stale'; why: string };

function judge(lock: LockFile): Verdict {
  const { owner } = lock;
  if (!owner) {
    return lock.ageMs < WRITING_MS
      ? { verdict: 'writing' }
      : { verdict: 'stale', why: 'the lock file names no process and is not being written' };
  }
  // A process on another machine (or in another container) cannot be checked from here.
  if (owner.host !== hostname()) return { verdict: 'held' };
  // Our own id in a lock this process does not hold: an earlier process that had the same id.
  if (owner.pid === process.pid) return { verdict: 'stale', why: 'an earlier process had this process id' };
  if (!isAlive(owner.pid)) return { verdict: 'stale', why: 'that process no longer runs' };
  // A zombie (state Z) has ended; only its exit status waits for its parent.
  if (procStat(owner.pid, 3) === 'Z') return { verdict: 'stale', why: 'that process has ended (a zombie)' };
  // Where /proc tells more: a process with that id that started in another boot or at another
  // moment reuses the id of the one that wrote the lock.
  const boot = bootId();
  if (owner.bootId && boot && owner.bootId !== boot) {
    return { verdict: 'stale', why: 'the lock was written before the machine restarted' };
  }
  const start = owner.procStart && procStart(owner.pid);
  if (start && start !== owner.procStart) {
    return { verdict: 'stale', why: 'another process now has that process id' };
  }
  return { verdict: 'held' };
}

/**
 * Removes the stale lock whose content is `raw`, when it still is there. Processes that find the
 * same stale lock claim its takeover by creating a claim file named after that content: one wins,
 * checks the lock still has that content and removes it; the others try again and find the
 * winner's lock. Only the claim's holder removes a lock with that content, so a lock written
 * meanwhile is never removed. A claim left by a process that died during its takeover gives way
 * to a next one.
 */
function takeOver(file: string, raw: string): boolean {
  const id = createHash('sha256').update(raw).digest('hex').slice(0, 16);
  for (let n = 0; n < 10; n++) {
    const claim = `${file}.takeover-${id}-${n}`;
    if (createExclusive(claim, String(process.pid))) {
      try {
        if (readLock(file)?.raw !== raw) return false;
        unlinkIfPresent(file);
        return true;
      } finally {
        for (let k = 0; k <= n; k++) unlinkIfPresent(`${file}.takeover-${id}-${k}`);
      }
    }
    let ageMs: number;
    try {
      ageMs = Date.now() - statSync(claim).mtimeMs;
    } catch (err) {
      if (errnoOf(err) === 'ENOENT') return false; // The takeover just finished.
      throw err;
    }
    if (ageMs < CLAIM_ABANDONED_MS) {
      sleep(20); // Another process is taking it over right now.
      return false;
    }
  }
  return false;
}

/**
 * Removes takeover claims in the folder left by processes that died while taking a lock over. Only
 * tidying: the lock is taken already, so a claim that cannot be removed is left and logged.
 */
function removeAbandonedClaims(dir: string): void {
  const prefix = `${lockFileName}.takeover-`;
  try {
    for (const name of readdirSync(dir)) {
      if (!name.startsWith(prefix)) continue;
      const claim = join(dir, name);
      try {
        if (Date.now() - statSync(claim).mtimeMs >= CLAIM_ABANDONED_MS) unlinkIfPresent(claim);
      } catch (err) {
        if (errnoOf(err) !== 'ENOENT') throw err; // Removed meanwhile by another process.
      }
    }
  } catch (err) {
    if (errnoOf(err) !== 'ENOENT')
      log.warn('embedded store: a left takeover claim was not removed', { dataDir: dir, err });
  }
}

/** Removes the lock files this process holds, for an end that cannot wait for its stores to close. */
export function releaseLocks(): void {
  for (const [file, content] of held) {
    held.delete(file);
    try {
      if (readFileSync(file, 'utf8') === content) unlinkSync(file);
    } catch {
      // Gone already; nothing to release.
    }
  }
}

function inUse(dataDir: string, file: string, owner: LockOwner | undefined): AppError {
  const details = { dataDir, lockFile: file, ...owner };
  if (owner?.pid === process.pid && owner.host === hostname()) {
    return new AppError(
      'conflict',
      `The data folder ${dataDir} is already open in this process (pid ${owner.pid}); close the store before opening it again.`,
      details,
    );
  }
  const who = owner
    ? `Koppeling process ${owner.pid}${owner.host === hostname() ? '' : ` on ${owner.host}`}${owner.since ? ` (since ${owner.since})` : ''}`
    : 'a Koppeling process that is starting';
  const elsewhere =
    owner && owner.host !== hostname()
      ? ` If no Koppeling process runs on ${owner.host} any more, remove ${file}.`
      : '';
  return new AppError(
    'conflict',
    `The data folder ${dataDir} is in use by ${who}. The embedded store can be open in one ` +
      `process at a time: stop that process first, or run the command through the running server's ` +
      `API, or set DATABASE_URL to use PostgreSQL, which several processes can share.${elsewhere}`,
    details,
  );
}

/**
 * Takes the lock on an embedded store's data folder (which must exist), or throws an AppError that
 * says which process holds it. A lock left by a process that no longer runs is taken over, also
 * when (on Linux) another process now has its id.
 */
export function lockDataDir(dataDir: string): DataDirLock {
  const dir = realpathSync(dataDir);
  const file = join(dir, lockFileName);
  if (held.has(file)) throw inUse(dir, file, { pid: process.pid, host: hostname(), since: '' });
  const content = JSON.stringify({
    pid: process.pid,
    host: hostname(),
    since: new Date().toISOString(),
    procStart: procStart('self'),
    bootId: bootId(),
    token: randomBytes(8).toString('hex'),
  });
  for (let attempt = 0; attempt < 500; attempt++) {
    if (createExclusive(file, content)) {
      held.set(file, content);
      removeAbandonedClaims(dir);
      if (!exitHook) {
        exitHook = true;
        process.on('exit', releaseLocks);
      }
      return {
        file,
        release: () => {
          if (held.get(file) !== content) return;
          held.delete(file);
          if (readLock(file)?.raw === content) unlinkIfPresent(file);
        },
      };
    }
    const current = readLock(file);
    if (!current) continue;
    const verdict = judge(current);
    if (verdict.verdict === 'held') throw inUse(dir, file, current.owner);
    if (verdict.verdict === 'writing') sleep(20);
    else if (takeOver(file, current.raw)) {
      log.warn('embedded store: lock taken over', {
        dataDir: dir,
        lockFile: file,
        why: verdict.why,
        ...current.owner,
      });
    }
  }
  throw inUse(dir, file, readLock(file)?.owner);
}
