/**
 * BSN (burgerservicenummer) rules: nine digits, eight digits get a leading zero, the 11-check
 * 9*d1 + 8*d2 + ... + 2*d8 - 1*d9 divisible by 11, and never 000000000.
 */
const weights = [9, 8, 7, 6, 5, 4, 3, 2, -1] as const;

/** Normalises a BSN candidate to nine digits, or returns undefined when it is not 8 or 9 digits. */
export function normalizeBsn(input: string): string | undefined {
  const digits = input.trim().replace(/[.\s-]/g, '');
  if (!/^\d{8,9}$/.test(digits)) return undefined;
  return digits.padStart(9, '0');
}

/** True when `input` passes the BSN 11-check after normalisation. */
export function isValidBsn(input: string): boolean {
  const bsn = normalizeBsn(input);
  if (bsn === undefined || bsn === '000000000') return false;
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += Number(bsn[i]) * weights[i]!;
  return sum % 11 === 0;
}

/**
 * True when `value` is the BSN `bsn` (nine digits, normalised) in any spelling: a key such as a
 * personnel number that is the person's BSN would put the BSN in clear where keys go.
 */
export function isSameBsn(value: unknown, bsn: string): boolean {
  if (typeof value !== 'string' || value.length < 8 || value.length > 16) return false;
  return value === bsn || normalizeBsn(value) === bsn;
}
