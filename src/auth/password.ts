import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { MessageKey } from './messages.js';

export const minPasswordLength = 12;
const keyLength = 32;

function scrypt(password: string, salt: Buffer, cost: number): Promise<Buffer> {
  const options: ScryptOptions = { N: cost, r: 8, p: 1, maxmem: 256 * cost * 8 + 1024 * 1024 };
  return new Promise((resolve, reject) =>
    scryptCb(password.normalize('NFKC'), salt, keyLength, options, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

/** scrypt hash with a fresh per-user salt, stored as `scrypt$N$salt$hash` so the cost can change later. */
export async function hashPassword(password: string, cost: number): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(password, salt, cost);
  return `scrypt$${cost}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** True when the password matches the stored hash (constant-time comparison). */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, costText, saltText, hashText] = stored.split('$');
  if (scheme !== 'scrypt' || !costText || !saltText || !hashText) return false;
  const expected = Buffer.from(hashText, 'base64');
  const actual = await scrypt(password, Buffer.from(saltText, 'base64'), Number(costText));
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

const dummyHashes = new Map<number, Promise<string>>();

/** A hash to verify against when the login name does not exist, so both answers take as long. */
export function dummyHash(cost: number): Promise<string> {
  let hash = dummyHashes.get(cost);
  if (!hash) {
    hash = hashPassword(randomBytes(16).toString('hex'), cost);
    dummyHashes.set(cost, hash);
  }
  return hash;
}

/**
 * Why a new password is refused, or undefined when it is acceptable: at least 12 characters and
 * not containing the user's own first name, last name or login name (case-insensitive).
 */
export function passwordProblem(
  password: string,
  user: { firstName: string; lastName: string; loginName: string },
): MessageKey | undefined {
  if ([...password].length < minPasswordLength) return 'passwordTooShort';
  const lower = password.toLowerCase();
  const personal = [user.firstName, user.lastName, user.loginName, ...user.loginName.split(/[@._-]/)]
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s.length >= 3);
  if (personal.some((s) => lower.includes(s))) return 'passwordPersonal';
  return undefined;
}
