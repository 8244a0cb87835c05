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
  kind: 'operator' | 'machine';
  capabilities: string[];
  employer_id: string | null;
  expires_at: Date | null;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

/**
 * Whether a last-used (or last-seen) time is old enough to write again: at most once a minute, since
 * a write (a commit) on every request would cost each API call a disk flush.
 */
export function dueForTouch(last: Date | null, now: Date): boolean {
  return last === null || now.getTime() - last.getTime() >= 60_000;
}

/** The live (not revoked, not expired) token with this value, touching its last-used time. */
export async function findLiveToken(
  db: Db,
  token: string,
  now: Date = new Date(),
): Promise<TokenRow | undefined> {
  const row = (await db('api_tokens')
    .where({ token_hash: hashToken(token) })
    .whereNull('revoked_at')
    .where((q) => q.whereNull('expires_at').orWhere('expires_at', '>', now))
    .first()) as TokenRow | undefined;
  if (row && dueForTouch(row.last_used_at, now)) {
    await db('api_tokens').where({ id: row.id }).update({ last_used_at: now });
  }
  return row;
}

/** Stores a machine token with a fixed set of capabilities; returns the token once. */
export async function createMachineToken(
  db: Db,
  input: {
    name: string;
    capabilities: string[];
    employerId?: string | undefined;
    expiresAt?: Date | undefined;
    createdBy: string;
  },
): Promise<{ id: string; token: string }> {
  const token = newToken('kpt');
  const [{ id }] = (await db('api_tokens')
    .insert({
      name: input.name,
      kind: 'machine',
      token_hash: hashToken(token),
      capabilities: JSON.stringify(input.capabilities),
      employer_id: input.employerId ?? null,
      expires_at: input.expiresAt ?? null,
      created_by: input.createdBy,
    })
    .returning('id')) as [{ id: string }];
  return { id, token };
}

/** Every stored token (never its value). */
export async function listTokens(db: Db): Promise<TokenRow[]> {
  return (await db('api_tokens')
    .select(
      'id',
      'name',
      'kind',
      'capabilities',
      'employer_id',
      'expires_at',
      'created_at',
      'last_used_at',
      'revoked_at',
    )
    .orderBy('created_at')) as TokenRow[];
}

/** Revokes a token; false when there is no such live token. */
export async function revokeToken(db: Db, id: string, now: Date): Promise<boolean> {
  const n = await db('api_tokens').where({ id }).whereNull('revoked_at').update({ revoked_at: now });
  return n > 0;
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
