import { prepared, type Db } from './db.js';
import { dueForTouch, hashToken, newToken } from './tokens.js';
import {
  activeMembershipsSql,
  toActiveMembership,
  type ActiveMembership,
  type ActiveMembershipRow,
} from './users.js';

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

export interface LiveSession {
  id: string;
  userId: string;
  language: 'nl' | 'en';
  /** The user's memberships valid now; none means the account cannot act anywhere. */
  memberships: ActiveMembership[];
}

/**
 * The live session for this token (not revoked, not expired, not idle too long) with its user's
 * language and active memberships, in one query; touches its last-seen time at most once a minute.
 */
export async function findLiveSession(
  db: Db,
  token: string,
  policy: SessionPolicy,
  now: Date,
): Promise<LiveSession | undefined> {
  const result = await prepared(
    db,
    `select s.id, s.user_id, s.last_seen_at, u.language,
       coalesce((select json_agg(am) from (${activeMembershipsSql('s.user_id')}) am), '[]'::json)
         as memberships
     from user_sessions s join users u on u.id = s.user_id
     where s.token_hash = ? and s.revoked_at is null and s.expires_at > ? and s.last_seen_at > ?`,
    [now, now, hashToken(token), now, new Date(now.getTime() - policy.idleMinutes * 60_000)],
  );
  const row = result.rows[0] as
    | {
        id: string;
        user_id: string;
        last_seen_at: Date;
        language: 'nl' | 'en';
        memberships: ActiveMembershipRow[];
      }
    | undefined;
  if (!row) return undefined;
  // The idle timeout counts in minutes, so a last-seen time up to a minute old is precise enough.
  if (dueForTouch(row.last_seen_at, now)) {
    await db('user_sessions').where({ id: row.id }).update({ last_seen_at: now });
  }
  return {
    id: row.id,
    userId: row.user_id,
    language: row.language,
    memberships: row.memberships.map(toActiveMembership),
  };
}

/** Ends one session. */
export async function revokeSession(db: Db, sessionId: string, now: Date): Promise<void> {
  await db('user_sessions').where({ id: sessionId }).whereNull('revoked_at').update({ revoked_at: now });
}

/** Ends every session of a user (password change or reset, deactivation). */
export async function revokeUserSessions(db: Db, userId: string, now: Date): Promise<void> {
  await db('user_sessions').where({ user_id: userId }).whereNull('revoked_at').update({ revoked_at: now });
}
