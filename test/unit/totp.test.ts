import { describe, expect, it } from 'vitest';
import { matchTotp, totpCodeAt, totpStep, hashBackupCode, newBackupCodes } from '../../src/auth/totp.js';
import { passwordProblem, hashPassword, verifyPassword } from '../../src/auth/password.js';

// RFC 6238 appendix B secret ("12345678901234567890") in base32.
const secret = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const now = new Date('2026-11-28T12:00:10Z');
const step = totpStep(now);

describe('TOTP with a fixed clock', () => {
  it('When the code of the RFC 6238 test vector at T=59 is generated, then it matches the RFC (last 6 digits)', () => {
    expect(totpCodeAt(secret, 1)).toBe('287082');
  });

  it('When the current code is entered, then it is accepted for the current step', () => {
    expect(matchTotp(secret, totpCodeAt(secret, step), now, null)).toBe(step);
  });

  it('When the code of the previous step is entered, then one step of drift is accepted', () => {
    expect(matchTotp(secret, totpCodeAt(secret, step - 1), now, null)).toBe(step - 1);
  });

  it('When a code two steps old is entered, then it is refused', () => {
    expect(matchTotp(secret, totpCodeAt(secret, step - 2), now, null)).toBeUndefined();
  });

  it('When a code is replayed after its step was used, then it is refused', () => {
    const code = totpCodeAt(secret, step);
    expect(matchTotp(secret, code, now, step)).toBeUndefined();
    expect(matchTotp(secret, totpCodeAt(secret, step - 1), now, step - 1)).toBeUndefined();
  });

  it('When a wrong or malformed code is entered, then it is refused', () => {
    const right = totpCodeAt(secret, step);
    const wrong = String((Number(right) + 1) % 1_000_000).padStart(6, '0');
    expect(matchTotp(secret, wrong, now, null)).toBeUndefined();
    expect(matchTotp(secret, '12345', now, null)).toBeUndefined();
  });
});

describe('passwords and backup codes', () => {
  const user = { firstName: 'Anna', lastName: 'Vermeulen', loginName: 'avermeulen' };

  it('When a password is shorter than 12 characters, then it is refused', () => {
    expect(passwordProblem('kort-wacht1', user)).toBe('passwordTooShort');
  });

  it('When a password contains the own name or login name, then it is refused', () => {
    expect(passwordProblem('mijn-VERMEULEN-wachtwoord', user)).toBe('passwordPersonal');
    expect(passwordProblem('xx-avermeulen-2026', user)).toBe('passwordPersonal');
    expect(passwordProblem('paarse-olifant-fietst', user)).toBeUndefined();
  });

  it('When a password is hashed twice, then the salts differ and both verify', async () => {
    const a = await hashPassword('paarse-olifant-fietst', 1024);
    const b = await hashPassword('paarse-olifant-fietst', 1024);
    expect(a).not.toBe(b);
    expect(a.startsWith('scrypt$1024$')).toBe(true);
    expect(await verifyPassword('paarse-olifant-fietst', a)).toBe(true);
    expect(await verifyPassword('paarse-olifant-fietsT', a)).toBe(false);
  });

  it('When backup codes are made, then they are distinct and their hash ignores case and dashes', () => {
    const codes = newBackupCodes();
    expect(new Set(codes).size).toBe(10);
    expect(hashBackupCode(codes[0]!)).toBe(hashBackupCode(codes[0]!.toUpperCase().replace('-', '')));
  });
});
