import { describe, expect, it } from 'vitest';
import { dueForTouch } from '../../src/store/tokens.js';

describe('last-used times', () => {
  const now = new Date('2026-11-28T12:00:00Z');

  it('When a token or session was never used, then its time is written', () => {
    expect(dueForTouch(null, now)).toBe(true);
  });

  it('When it was last written under a minute ago, then it is not written again', () => {
    expect(dueForTouch(new Date('2026-11-28T11:59:30Z'), now)).toBe(false);
  });

  it('When it was last written a minute or more ago, then it is written again', () => {
    expect(dueForTouch(new Date('2026-11-28T11:59:00Z'), now)).toBe(true);
  });
});
