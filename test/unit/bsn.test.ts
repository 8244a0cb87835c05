import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isValidBsn, normalizeBsn } from '../../src/domain/bsn.js';

const weights = [9, 8, 7, 6, 5, 4, 3, 2, -1];
const checksum = (digits: number[]) => digits.reduce((s, d, i) => s + d * weights[i]!, 0);

/** Builds a valid BSN from eight free digits by choosing the ninth, when one exists. */
function completeBsn(first8: number[]): string | undefined {
  for (let d9 = 0; d9 <= 9; d9++) {
    const digits = [...first8, d9];
    if (checksum(digits) % 11 === 0 && digits.some((d) => d !== 0)) return digits.join('');
  }
  return undefined;
}

describe('BSN 11-check', () => {
  it('When given the documented test numbers, then 999996708 and 123456782 pass and 999998620 fails', () => {
    expect(isValidBsn('999996708')).toBe(true);
    expect(isValidBsn('123456782')).toBe(true);
    expect(isValidBsn('999998620')).toBe(false);
  });

  it('When the number is all zeros, too short, too long or not digits, then it fails', () => {
    for (const bad of ['000000000', '1234567', '1234567890', '12345678a', '', ' '])
      expect(isValidBsn(bad)).toBe(false);
  });

  it('When an eight-digit number is given, then it is checked with a leading zero', () => {
    // 012345672: 0*9+1*8+2*7+3*6+4*5+5*4+6*3+7*2-2 = 110
    expect(normalizeBsn('12345672')).toBe('012345672');
    expect(isValidBsn('12345672')).toBe(true);
  });

  it('When a number satisfies the weighted sum, then it is valid (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 8, maxLength: 8 }), (first8) => {
        const bsn = completeBsn(first8);
        if (bsn !== undefined) expect(isValidBsn(bsn)).toBe(true);
      }),
    );
  });

  it('When one digit of a valid BSN changes, then the 11-check fails (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 8, maxLength: 8 }),
        fc.integer({ min: 0, max: 8 }),
        fc.integer({ min: 1, max: 9 }),
        (first8, position, delta) => {
          const bsn = completeBsn(first8);
          fc.pre(bsn !== undefined);
          const digits = bsn!.split('').map(Number);
          digits[position] = (digits[position]! + delta) % 10;
          // Each weight is coprime with 11, so a single changed digit always breaks the sum.
          expect(isValidBsn(digits.join(''))).toBe(false);
        },
      ),
    );
  });

  it('When the weighted sum is not divisible by 11, then it is invalid (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 9, maxLength: 9 }), (digits) => {
        fc.pre(checksum(digits) % 11 !== 0);
        expect(isValidBsn(digits.join(''))).toBe(false);
      }),
    );
  });
});
