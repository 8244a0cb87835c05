import { AppError } from '../errors.js';
import { nowOf, type AppContext, type Language } from '../api/context.js';
import type { Db } from '../store/db.js';
import { t } from './messages.js';

/** A throttled key (a login name or a client address) and how many failures it allows. */
export interface ThrottleKey {
  key: string;
  maxFailures: number;
  lockMinutes: number;
}

/** One attempt taken on a key: it counts as a failure until it is given back. */
interface Attempt {
  key: string;
  windowStartedAt: Date;
  /** Set when this attempt was the last one allowed and locked the key. */
  lockedUntil: Date | null;
}

/** The throttle of a login name: every check of its password or codes counts here. */
export function loginThrottle(ctx: AppContext, loginName: string): ThrottleKey {
  return {
    key: `login:${loginName.trim().toLowerCase()}`,
    maxFailures: ctx.config.loginMaxFailures,
    lockMinutes: ctx.config.loginLockMinutes,
  };
}

/** The throttle of a client address: ten times as many failures as one login name. */
export function addressThrottle(ctx: AppContext, clientKey: string): ThrottleKey {
  return {
    key: `ip:${clientKey}`,
    maxFailures: ctx.config.loginMaxFailures * 10,
    lockMinutes: ctx.config.loginLockMinutes,
  };
}

/**
 * Takes one attempt on a key before the password or code is checked, counting it as a failure at
 * once; the attempt that reaches `maxFailures` locks the key for `lockMinutes`. A locked key takes
 * no attempt (undefined). It is one statement, so of any number of concurrent attempts, on any
 * number of instances, at most `maxFailures` get to check a password or code before the lock.
 */
async function takeAttempt(db: Db, k: ThrottleKey, now: Date): Promise<Attempt | undefined> {
  const windowStart = new Date(now.getTime() - k.lockMinutes * 60_000);
  const lockEnd = new Date(now.getTime() + k.lockMinutes * 60_000);
  // A lock that has ended, or a window that has passed, starts the count again.
  const fresh = 't.locked_until is not null or t.window_started_at < ?';
  const result = (await db.raw(
    `insert into login_throttle as t (key, failures, window_started_at, locked_until)
     values (?, 1, ?, ?)
     on conflict (key) do update set
       failures = case when ${fresh} then 1 else t.failures + 1 end,
       window_started_at = case when ${fresh} then excluded.window_started_at else t.window_started_at end,
       locked_until = case when (case when ${fresh} then 1 else t.failures + 1 end) >= cast(? as integer)
         then cast(? as timestamptz) end
     where t.locked_until is null or t.locked_until <= ?
     returning window_started_at, locked_until`,
    [
      k.key,
      now,
      k.maxFailures <= 1 ? lockEnd : null,
      windowStart,
      windowStart,
      windowStart,
      k.maxFailures,
      lockEnd,
      now,
    ],
  )) as { rows: Array<{ window_started_at: Date; locked_until: Date | null }> };
  const row = result.rows[0];
  return row && { key: k.key, windowStartedAt: row.window_started_at, lockedUntil: row.locked_until };
}

/** Gives an attempt back after the password or code proved right, lifting the lock it set. */
async function giveBack(db: Db, attempt: Attempt): Promise<void> {
  await db.raw(
    `update login_throttle set failures = failures - 1,
       locked_until = case when locked_until = cast(? as timestamptz) then null else locked_until end
     where key = ? and window_started_at = ? and failures > 0`,
    [attempt.lockedUntil, attempt.key, attempt.windowStartedAt],
  );
}

async function refuseLocked(db: Db, k: ThrottleKey, lang: Language, now: Date): Promise<never> {
  const row = (await db('login_throttle').where({ key: k.key }).first('locked_until')) as
    { locked_until: Date | null } | undefined;
  const until = row?.locked_until?.getTime() ?? now.getTime();
  const minutes = Math.max(1, Math.ceil((until - now.getTime()) / 60_000));
  throw new AppError('too_many_requests', t(lang, 'lockedOut', { minutes }));
}

/**
 * Checks a password or code under the throttle of these keys. The attempt is counted before the
 * check and given back only when the check passes, so a wrong one stays counted; when a key is
 * locked, the check does not run and the answer is 429.
 */
export async function throttledCheck(
  ctx: AppContext,
  keys: readonly ThrottleKey[],
  lang: Language,
  check: () => Promise<boolean>,
): Promise<boolean> {
  const db = ctx.store.db;
  const now = nowOf(ctx);
  const taken: Attempt[] = [];
  const giveAllBack = async () => {
    for (const attempt of taken) await giveBack(db, attempt);
  };
  for (const k of keys) {
    const attempt = await takeAttempt(db, k, now);
    if (!attempt) {
      await giveAllBack();
      return refuseLocked(db, k, lang, now);
    }
    taken.push(attempt);
  }
  let ok: boolean;
  try {
    ok = await check();
  } catch (err) {
    // A check that could not run is no failure of the user.
    await giveAllBack();
    throw err;
  }
  if (ok) await giveAllBack();
  return ok;
}
