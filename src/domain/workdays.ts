import { addDays } from './dates.js';

/** Easter Sunday of a year (anonymous Gregorian algorithm). */
export function easterSunday(year: number): string {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** Dutch national public holidays of a year (Liberation Day only in lustrum years, as most CAOs do). */
export function dutchHolidays(year: number): Set<string> {
  const easter = easterSunday(year);
  const kingsDay = weekday(`${year}-04-27`) === 0 ? `${year}-04-26` : `${year}-04-27`;
  const days = [
    `${year}-01-01`,
    addDays(easter, 1),
    kingsDay,
    addDays(easter, 39),
    addDays(easter, 50),
    `${year}-12-25`,
    `${year}-12-26`,
  ];
  if (year % 5 === 0) days.push(`${year}-05-${pad(5)}`);
  return new Set(days);
}

/** Day of the week of an ISO date, 0 = Sunday ... 6 = Saturday. */
export function weekday(iso: string): number {
  return new Date(iso + 'T00:00:00Z').getUTCDay();
}

/** Whether a day is a working day: Monday to Friday and not a Dutch national holiday. */
export function isWorkingDay(iso: string): boolean {
  const wd = weekday(iso);
  if (wd === 0 || wd === 6) return false;
  return !dutchHolidays(Number(iso.slice(0, 4))).has(iso);
}

/** The first working day on or after `iso`. */
export function workingDayOnOrAfter(iso: string): string {
  let day = iso;
  while (!isWorkingDay(day)) day = addDays(day, 1);
  return day;
}
