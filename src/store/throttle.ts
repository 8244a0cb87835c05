import type { Db } from './db.js';

/**
 * Forgets the failures of a key (after a successful login or a password reset). Attempts are
 * counted and keys locked in `src/auth/throttle.ts`.
 */
export async function clearFailures(db: Db, key: string): Promise<void> {
  await db('login_throttle').where({ key }).delete();
}
