import type { Db } from './db.js';
import { dueForTouch, hashToken, newToken } from './tokens.js';

export interface SessionPolicy {
  hours: number;
  idleMinutes: number;
}

/** Starts a login session; returns the token (shown once, stored hashed). */
export async function createSession(
  db: Db,
  userId: string,
  policy: SessionPolicy,
  now: Date,
): Promise<{ id: string; token: string; expiresAt: Date }> {
  const token = newToken('kps');
  const expiresAt = new Date(now.getTime() + policy.hours * 3_600_000);
  const [{ id }] = (await db('user_sessions')
    .insert({
      user_id: userId,
      token_hash: hashToken(token),
      created_at: now,
      expires_at: expiresAt,
      last_seen_at: now,
    })
    .returning('id')) as [{ id: string }];
  return { id, token, expiresAt };
}

/**
 * The live session for this token (not revoked, not expired, not idle too long), touching its
 * last-seen time; undefined otherwise.
 */
export async function findLiveSession(
  db: Db,
  token: string,
  policy: SessionPolicy,
  now: Date,
): Promise<{ id: string; userId: string } | undefined> {
  const row = (await db('user_sessions')
    .where({ token_hash: hashToken(token) })
    .whereNull('revoked_at')
    .where('expires_at', '>', now)
    .where('last_seen_at', '>', new Date(now.getTime() - policy.idleMinutes * 60_000))
    .first('id', 'user_id', 'last_seen_at')) as
    { id: string; user_id: string; last_seen_at: Date } | undefined;
  if (!row) return undefined;
  // The idle timeout counts in minutes, so a last-seen time up to a minute old is precise enough.
  if (dueForTouch(row.last_seen_at, now)) {
    await db('user_sessions').where({ id: row.id }).update({ last_seen_at: now });
  }
  return { id: row.id, userId: row.user_id };
}

/** Ends one session. */
export async function revokeSession(db: Db, sessionId: string, now: Date): Promise<void> {
  await db('user_sessions').where({ id: sessionId }).whereNull('revoked_at').update({ revoked_at: now });
}

/** Ends every session of a user (password change or reset, deactivation). */
export async function revokeUserSessions(db: Db, userId: string, now: Date): Promise<void> {
  await db('user_sessions').where({ user_id: userId }).whereNull('revoked_at').update({ revoked_at: now });
}
