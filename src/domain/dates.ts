import { z } from 'zod';

/** A calendar date as `YYYY-MM-DD` that exists in the calendar. */
export const isoDateSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD')
  .refine(isRealDate, 'not an existing calendar date');

export function isRealDate(iso: string): boolean {
  const [y, m, d] = iso.split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

const timestampPattern =
  /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,6})?)?(?:Z|[+-](\d{2}):?(\d{2}))?)?$/i;

/**
 * A date and time as ISO 8601 writes it (`2024-03-01T14:30:00`, optionally with seconds'
 * fractions and a zone `Z` or `+01:00`; a space may stand for the `T`), or a date alone, that
 * exists: no 30 February, no 24:00 or 14:60.
 */
export function isTimestamp(v: string): boolean {
  const m = timestampPattern.exec(v);
  if (!m || !isRealDate(m[1]!)) return false;
  const [hours, minutes, seconds, zoneHours, zoneMinutes] = m.slice(2).map((x) => Number(x ?? 0));
  return hours! <= 23 && minutes! <= 59 && seconds! <= 59 && zoneHours! <= 14 && zoneMinutes! <= 59;
}

// Building an Intl.DateTimeFormat costs far more than using one: validation asks for "today" per record.
const dayFormats = new Map<string, Intl.DateTimeFormat>();

/** Today's calendar date in a time zone (default Europe/Amsterdam). */
export function todayIn(timeZone = 'Europe/Amsterdam', now: Date = new Date()): string {
  let format = dayFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
    dayFormats.set(timeZone, format);
  }
  return format.format(now);
}

/** Adds whole days to an ISO date. */
export function addDays(iso: string, days: number): string {
  const [y, m, d] = iso.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** Whole days from `a` to `b` (positive when b is later). */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(b + 'T00:00:00Z') - Date.parse(a + 'T00:00:00Z')) / 86_400_000);
}
