import type { Db } from './db.js';
import { hashToken, newToken } from './tokens.js';

export type LinkPurpose = 'activate' | 'reset' | 'email' | 'login' | 'totp';

export interface LinkRow {
  id: string;
  user_id: string;
  purpose: LinkPurpose;
  data: Record<string, unknown>;
  expires_at: Date;
}

/** Creates a single-use token for a user (stored hashed); returns the token. */
export async function createLink(
  db: Db,
  userId: string,
  purpose: LinkPurpose,
  expiresAt: Date,
  data: Record<string, unknown> = {},
): Promise<string> {
  const token = newToken(purpose === 'login' ? 'kpl' : 'kpk');
  await db('user_links').insert({
    user_id: userId,
    purpose,
    token_hash: hashToken(token),
    expires_at: expiresAt,
    data: JSON.stringify(data),
  });
  return token;
}

/** The unused, unexpired link with this token and one of these purposes. */
export async function findLink(
  db: Db,
  token: string,
  purposes: readonly LinkPurpose[],
  now: Date,
): Promise<LinkRow | undefined> {
  return (await db('user_links')
    .where({ token_hash: hashToken(token) })
    .whereIn('purpose', purposes)
    .whereNull('used_at')
    .where('expires_at', '>', now)
    .first('id', 'user_id', 'purpose', 'data', 'expires_at')) as LinkRow | undefined;
}

/** Marks a link used; false when someone else used it first (so it works once, also under races). */
export async function useLink(db: Db, linkId: string, now: Date): Promise<boolean> {
  const n = await db('user_links').where({ id: linkId }).whereNull('used_at').update({ used_at: now });
  return n > 0;
}

/** Voids a user's open links of these purposes (a newer link replaces older ones). */
export async function voidLinks(
  db: Db,
  userId: string,
  purposes: readonly LinkPurpose[],
  now: Date,
): Promise<void> {
  await db('user_links')
    .where({ user_id: userId })
    .whereIn('purpose', purposes)
    .whereNull('used_at')
    .update({ used_at: now });
}
