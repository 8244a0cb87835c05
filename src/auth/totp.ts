import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { generateSecret, generateSync, generateURI } from 'otplib';

/** RFC 6238 time step in seconds. */
export const totpPeriod = 30;

/** A new base32 TOTP secret (160 bits). */
export function newTotpSecret(): string {
  return generateSecret();
}

/** The `otpauth://` address an authenticator app scans. */
export function totpUri(secret: string, label: string): string {
  return generateURI({ issuer: 'Koppeling', label, secret, period: totpPeriod });
}

/** The code for a time step (for tests and enrolment checks). */
export function totpCodeAt(secret: string, step: number): string {
  return generateSync({ secret, epoch: step * totpPeriod, period: totpPeriod });
}

/** The time step of a moment. */
export function totpStep(now: Date): number {
  return Math.floor(now.getTime() / 1000 / totpPeriod);
}

function sameCode(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * The time step a code belongs to, accepting one step of clock drift either way, or undefined
 * when it is wrong or its step is not later than `lastUsedStep` (each code is accepted once).
 */
export function matchTotp(
  secret: string,
  code: string,
  now: Date,
  lastUsedStep: number | null,
): number | undefined {
  if (!/^\d{6}$/.test(code)) return undefined;
  const current = totpStep(now);
  for (const step of [current - 1, current, current + 1]) {
    if (lastUsedStep !== null && step <= lastUsedStep) continue;
    if (sameCode(totpCodeAt(secret, step), code)) return step;
  }
  return undefined;
}

/** Ten one-time backup codes (`xxxxx-xxxxx`, 50 bits each) to show once. */
export function newBackupCodes(count = 10): string[] {
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
  return Array.from({ length: count }, () => {
    const bytes = randomBytes(10);
    const chars = [...bytes].map((b) => alphabet[b % alphabet.length]).join('');
    return `${chars.slice(0, 5)}-${chars.slice(5)}`;
  });
}

/** Hash of a backup code as stored (normalised: case and separators do not matter). */
export function hashBackupCode(code: string): string {
  return createHash('sha256')
    .update(code.toLowerCase().replace(/[^a-z0-9]/g, ''), 'utf8')
    .digest('hex');
}
