import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decrypt, encrypt, keyIdOf, keyIdOfCiphertext, keyedHash, parseKey } from '../../src/vault/crypto.js';
import { canonicalVaultJson, vaultFieldsSchema } from '../../src/vault/fields.js';

describe('vault encryption', () => {
  const key = randomBytes(32);
  const keyId = keyIdOf(key);

  it('When data is sealed and opened with the same key and row, then it round-trips', () => {
    const sealed = encrypt(key, keyId, Buffer.from('{"bsn":"999996708"}'), 'employee:1');
    expect(sealed).not.toContain('999996708');
    expect(keyIdOfCiphertext(sealed)).toBe(keyId);
    expect(decrypt(key, sealed, 'employee:1').toString()).toBe('{"bsn":"999996708"}');
  });

  it('When the same data is sealed twice, then the IVs and ciphertexts differ', () => {
    const a = encrypt(key, keyId, Buffer.from('x'), 'r');
    const b = encrypt(key, keyId, Buffer.from('x'), 'r');
    expect(a.split('.')[2]).not.toBe(b.split('.')[2]);
    expect(Buffer.from(a.split('.')[2]!, 'base64url')).toHaveLength(12);
    expect(Buffer.from(a.split('.')[3]!, 'base64url')).toHaveLength(16);
  });

  it('When many records are sealed, then every IV is new, across refills of the IV buffer, and each opens', () => {
    const sealed = Array.from({ length: 5000 }, (_, i) =>
      encrypt(key, keyId, Buffer.from(`r${i}`), `row:${i}`),
    );
    expect(new Set(sealed.map((s) => s.split('.')[2])).size).toBe(sealed.length);
    sealed.forEach((s, i) => expect(decrypt(key, s, `row:${i}`).toString()).toBe(`r${i}`));
  });

  it('When the ciphertext, tag, key or row binding is changed, then opening fails', () => {
    const sealed = encrypt(key, keyId, Buffer.from('secret data'), 'employee:1');
    const parts = sealed.split('.');
    const flipped = Buffer.from(parts[4]!, 'base64url');
    flipped[0] = flipped[0]! ^ 1;
    expect(() =>
      decrypt(key, [...parts.slice(0, 4), flipped.toString('base64url')].join('.'), 'employee:1'),
    ).toThrow();
    expect(() =>
      decrypt(
        key,
        [...parts.slice(0, 3), Buffer.alloc(16).toString('base64url'), parts[4]].join('.'),
        'employee:1',
      ),
    ).toThrow();
    expect(() =>
      decrypt(
        key,
        [...parts.slice(0, 3), Buffer.alloc(8).toString('base64url'), parts[4]].join('.'),
        'employee:1',
      ),
    ).toThrow(/Malformed/);
    expect(() => decrypt(randomBytes(32), sealed, 'employee:1')).toThrow();
    expect(() => decrypt(key, sealed, 'employee:2')).toThrow();
  });

  it('When keys are given as hex or base64, then both parse to 32 bytes; other lengths are refused', () => {
    expect(parseKey(key.toString('hex'), 'k')).toEqual(key);
    expect(parseKey(key.toString('base64'), 'k')).toEqual(key);
    expect(() => parseKey(randomBytes(16).toString('base64'), 'k')).toThrow(/32 bytes/);
  });

  it('When the keyed hash is computed, then it depends on key, purpose and every part', () => {
    const k2 = randomBytes(32);
    const h = keyedHash(key, 'bsn-index', 'emp', '999996708');
    expect(h).toBe(keyedHash(key, 'bsn-index', 'emp', '999996708'));
    expect(h).not.toBe(keyedHash(k2, 'bsn-index', 'emp', '999996708'));
    expect(h).not.toBe(keyedHash(key, 'other', 'emp', '999996708'));
    expect(h).not.toBe(keyedHash(key, 'bsn-index', 'emp2', '999996708'));
  });

  it('When the keyed hash of a known key is computed, then it is the stored value of earlier releases', () => {
    // Blind indexes and vault fingerprints are stored: a change here would make every stored BSN
    // unfindable and every vault record look changed. HMAC-SHA256 of purpose \0 part \0 part.
    const fixed = Buffer.alloc(32, 7);
    expect(keyedHash(fixed, 'bsn-index', 'employer-1', '999996708')).toBe(
      'fXCBTfHKOFQiiq7Ff7X6xaCgnQc1AAYiAQzspC9P-9k',
    );
    expect(keyedHash(fixed, 'vault-fingerprint', 'employer-1', '{"bsn":"999996708"}')).toBe(
      'Uontr9Osq1obUHrRUAmye24eB7BAoacYr2-Jv9PhL3s',
    );
  });

  it('When vault fields are validated, then BSN, postcode and IBAN are checked and normalised', () => {
    const parsed = vaultFieldsSchema.parse({
      bsn: '99999.6708',
      postcode: '1234 ab',
      ibans: ['nl91 abna 0417 1643 00'],
    });
    expect(parsed).toEqual({ bsn: '999996708', postcode: '1234AB', ibans: ['NL91ABNA0417164300'] });
    expect(() => vaultFieldsSchema.parse({ bsn: '999998620' })).toThrow(/11-check/);
    expect(() => vaultFieldsSchema.parse({ postcode: '0123AB' })).toThrow(/postcode/);
    expect(() => vaultFieldsSchema.parse({ diagnosis: 'x' })).toThrow();
  });

  it('When vault fields are serialised, then key order and empty values do not matter', () => {
    expect(canonicalVaultJson({ town: 'Utrecht', bsn: '999996708', phoneNumbers: [] })).toBe(
      canonicalVaultJson({ bsn: '999996708', town: 'Utrecht' }),
    );
    // Stored fingerprints depend on this exact text: keys sorted by code unit, empty values left out.
    expect(
      canonicalVaultJson({
        town: 'Utrecht',
        street: '',
        postcode: '1234AB',
        houseNumberSuffix: 'a',
        bsn: '999996708',
      }),
    ).toBe('{"bsn":"999996708","houseNumberSuffix":"a","postcode":"1234AB","town":"Utrecht"}');
  });
});
