import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';
import { pooledRandomBytes } from '../random.js';

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const FORMAT = 'v1';

export class VaultCryptoError extends Error {
  override name = 'VaultCryptoError';
}

/** Parses a 32-byte key written as 64 hex characters or as base64/base64url. */
export function parseKey(encoded: string, what: string): Buffer {
  const key = /^[0-9a-fA-F]{64}$/.test(encoded)
    ? Buffer.from(encoded, 'hex')
    : Buffer.from(encoded, 'base64');
  if (key.length !== 32)
    throw new VaultCryptoError(`${what} must be 32 bytes (64 hex characters or 44 base64 characters).`);
  return key;
}

/** A short, non-secret identifier of a key (first 8 bytes of its SHA-256), stored with ciphertexts. */
export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update('koppeling-key-id').update(key).digest('hex').slice(0, 16);
}

/**
 * AES-256-GCM with a random 96-bit IV. Output: `v1.<keyId>.<iv>.<tag>.<ciphertext>` (base64url parts).
 * `aad` binds the ciphertext to its row so it cannot be copied to another record.
 */
export function encrypt(key: Buffer, keyId: string, plaintext: Buffer, aad: string): string {
  const iv = pooledRandomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [
    FORMAT,
    keyId,
    iv.toString('base64url'),
    tag.toString('base64url'),
    body.toString('base64url'),
  ].join('.');
}

/** The key id a ciphertext was made with. */
export function keyIdOfCiphertext(sealed: string): string {
  const parts = sealed.split('.');
  if (parts.length !== 5 || parts[0] !== FORMAT) throw new VaultCryptoError('Unknown ciphertext format.');
  return parts[1]!;
}

/** Decrypts and authenticates; a wrong key, wrong `aad` or any tampering throws. */
export function decrypt(key: Buffer, sealed: string, aad: string): Buffer {
  const parts = sealed.split('.');
  if (parts.length !== 5 || parts[0] !== FORMAT) throw new VaultCryptoError('Unknown ciphertext format.');
  const iv = Buffer.from(parts[2]!, 'base64url');
  const tag = Buffer.from(parts[3]!, 'base64url');
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new VaultCryptoError('Malformed ciphertext.');
  const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(Buffer.from(parts[4]!, 'base64url')), decipher.final()]);
  } catch (err) {
    throw new VaultCryptoError('Ciphertext failed authentication.', { cause: err });
  }
}

/** Keyed hash (HMAC-SHA256) with a purpose label, for the blind index and change fingerprints. */
export function keyedHash(key: Buffer, purpose: string, ...parts: string[]): string {
  const mac = createHmac('sha256', key).update(purpose);
  for (const part of parts) mac.update('\u0000').update(part);
  return mac.digest('base64url');
}

export function constantTimeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

export function newDataKey(): Buffer {
  return randomBytes(32);
}
