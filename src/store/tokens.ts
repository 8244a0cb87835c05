import { createHash, randomBytes } from 'node:crypto';
import type { Db } from './db.js';

/** SHA-256 of a high-entropy token; tokens are never stored in clear. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function newToken(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

export interface TokenRow {
  id: string;
  name: string;
  kind: string;
}

/** The live (not revoked) token with this value, touching its last-used time. */
export async function findLiveToken(db: Db, token: string): Promise<TokenRow | undefined> {
  const row = (await db('api_tokens')
    .where({ token_hash: hashToken(token) })
    .whereNull('revoked_at')
    .first('id', 'name', 'kind')) as TokenRow | undefined;
  if (row) await db('api_tokens').where({ id: row.id }).update({ last_used_at: db.fn.now() });
  return row;
}

/**
 * Makes sure an operator can log in. With a configured token nothing is stored; otherwise, when no
 * operator token exists yet, one is generated, stored hashed, and returned so it can be shown once.
 */
export async function ensureOperatorToken(
  db: Db,
  configured: string | undefined,
): Promise<string | undefined> {
  if (configured) return undefined;
  return db.transaction(async (trx) => {
    // Serialises concurrent first starts of several instances on one database.
    await trx.raw('select pg_advisory_xact_lock(hashtext(?))', ['koppeling:operator-token']);
    const existing = await trx('api_tokens').where({ kind: 'operator' }).whereNull('revoked_at').first('id');
    if (existing) return undefined;
    const token = newToken('kop');
    await trx('api_tokens').insert({
      name: 'initial operator token',
      kind: 'operator',
      token_hash: hashToken(token),
    });
    return token;
  });
}
