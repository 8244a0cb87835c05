import { describe, expect, it } from 'vitest';
import { timeOrderedId } from '../../src/store/ids.js';

describe('time-ordered ids', () => {
  it('When ids are made, then they are version 7 UUIDs, unique, and ordered by their millisecond', () => {
    const ids = Array.from({ length: 5000 }, (_, i) =>
      timeOrderedId(1_764_000_000_000 + Math.floor(i / 100)),
    );
    for (const id of ids.slice(0, 10))
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(ids.length);
    const prefixes = ids.map((id) => id.slice(0, 13));
    expect([...prefixes].sort()).toEqual(prefixes);
    expect(ids[0]!.replace(/-/g, '').slice(0, 12)).toBe((1_764_000_000_000).toString(16).padStart(12, '0'));
  });
});
