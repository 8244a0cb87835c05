import { describe, expect, it } from 'vitest';
import { sharedWhileRunning } from '../../src/api/auth.js';

describe('token lookups shared while running', () => {
  it('When lookups for one token overlap, then they share one answer; a later one looks up anew', async () => {
    let calls = 0;
    let release: (value: string) => void = () => undefined;
    const lookup = sharedWhileRunning((token: string) => {
      calls++;
      return new Promise<string>((resolve) => (release = (v) => resolve(`${token}:${v}`)));
    });
    const first = lookup('a');
    const second = lookup('a');
    release('live');
    expect(await Promise.all([first, second])).toEqual(['a:live', 'a:live']);
    expect(calls).toBe(1);
    const later = lookup('a');
    release('revoked');
    expect(await later).toBe('a:revoked');
    expect(calls).toBe(2);
  });

  it('When lookups for different tokens overlap, then each token is looked up', async () => {
    const seen: string[] = [];
    const lookup = sharedWhileRunning(async (token: string) => {
      seen.push(token);
      return token;
    });
    expect(await Promise.all([lookup('a'), lookup('b')])).toEqual(['a', 'b']);
    expect(seen).toEqual(['a', 'b']);
  });

  it('When a lookup fails, then the failure is not kept for the next one', async () => {
    let fail = true;
    const lookup = sharedWhileRunning(async (token: string) => {
      if (fail) throw new Error('store unavailable');
      return token;
    });
    await expect(lookup('a')).rejects.toThrow('store unavailable');
    fail = false;
    expect(await lookup('a')).toBe('a');
  });
});
