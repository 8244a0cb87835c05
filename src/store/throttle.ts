import type { Db } from './db.js';

export interface ThrottlePolicy {
  maxFailures: number;
  lockMinutes: number;
}

/** The latest lock end among these keys, when any is locked now. */
export async function lockedUntil(db: Db, keys: readonly string[], now: Date): Promise<Date | undefined> {
  const rows = (await db('login_throttle')
    .whereIn('key', keys)
    .where('locked_until', '>', now)
    .select('locked_until')) as Array<{ locked_until: Date }>;
  if (rows.length === 0) return undefined;
  return new Date(Math.max(...rows.map((r) => r.locked_until.getTime())));
}

/**
 * Counts a failure for a key within a window of `lockMinutes`; at `maxFailures` the key is locked
 * for `lockMinutes`. One statement, so concurrent failures on several instances all count.
 */
export async function recordFailure(db: Db, key: string, policy: ThrottlePolicy, now: Date): Promise<void> {
  const windowStart = new Date(now.getTime() - policy.lockMinutes * 60_000);
  const lockEnd = new Date(now.getTime() + policy.lockMinutes * 60_000);
  await db.raw(
    `insert into login_throttle as t (key, failures, window_started_at) values (?, 1, ?)
     on conflict (key) do update set
       failures = case when t.window_started_at < ? then 1 else t.failures + 1 end,
       window_started_at = case when t.window_started_at < ? then excluded.window_started_at else t.window_started_at end`,
    [key, now, windowStart, windowStart],
  );
  await db('login_throttle')
    .where({ key })
    .where('failures', '>=', policy.maxFailures)
    .update({ locked_until: lockEnd, failures: 0, window_started_at: now });
}

/** Forgets the failures of a key (after a successful login or a password reset). */
export async function clearFailures(db: Db, key: string): Promise<void> {
  await db('login_throttle').where({ key }).delete();
}
