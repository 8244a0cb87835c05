import { z } from 'zod';
import { AppError } from '../errors.js';
import { addDays, daysBetween } from './dates.js';

export const pregnancyEndReasons = [
  'miscarriage_or_stillbirth',
  'out_of_service',
  'deceased',
  'other',
] as const;
export type PregnancyEndReason = (typeof pregnancyEndReasons)[number];
export const pregnancyEndReasonSchema = z.enum(pregnancyEndReasons);

/** WAZO numbers in days: leave starts between `earliest` and `latest` weeks before the day after the expected date. */
export function leaveRules(multiple: boolean) {
  return multiple
    ? { earliestBefore: 70, latestBefore: 56, total: 140, afterBirth: 70 }
    : { earliestBefore: 42, latestBefore: 28, total: 112, afterBirth: 70 };
}

export interface LeaveWindow {
  /** Earliest and latest allowed first day of leave. */
  earliestStart: string;
  latestStart: string;
  /** Earliest and latest allowed last working day (the day before the leave starts). */
  earliestLastWorkingDay: string;
  latestLastWorkingDay: string;
}

/** The window in which pregnancy leave must start, counted back from the day after the expected date. */
export function leaveWindow(expectedDate: string, multiple: boolean): LeaveWindow {
  const r = leaveRules(multiple);
  const dayAfter = addDays(expectedDate, 1);
  const earliestStart = addDays(dayAfter, -r.earliestBefore);
  const latestStart = addDays(dayAfter, -r.latestBefore);
  return {
    earliestStart,
    latestStart,
    earliestLastWorkingDay: addDays(earliestStart, -1),
    latestLastWorkingDay: addDays(latestStart, -1),
  };
}

export interface Leave {
  start: string;
  /** Last day of leave (inclusive). */
  end: string;
  totalDays: number;
}

/**
 * Pregnancy and maternity leave from the last working day. Until the delivery is known the expected
 * date stands in for it. Maternity leave is 10 weeks after the delivery plus the pre-birth leave not
 * taken (an early delivery, or a start later than the earliest), so the total is at least 16 weeks
 * (20 for multiples); a late delivery lengthens it.
 */
export function computeLeave(input: {
  expectedDate: string;
  multiple: boolean;
  lastWorkingDay: string;
  actualDeliveryDate?: string | null | undefined;
}): Leave {
  const w = leaveWindow(input.expectedDate, input.multiple);
  if (input.lastWorkingDay < w.earliestLastWorkingDay || input.lastWorkingDay > w.latestLastWorkingDay) {
    throw new AppError(
      'validation_failed',
      `last working day ${input.lastWorkingDay} is outside the leave window for expected date ${input.expectedDate}` +
        `${input.multiple ? ' (multiple birth)' : ''}: it must be from ${w.earliestLastWorkingDay} through ${w.latestLastWorkingDay}`,
      [{ path: 'lastWorkingDay', message: 'outside the leave window' }],
    );
  }
  const r = leaveRules(input.multiple);
  const delivery = input.actualDeliveryDate ?? input.expectedDate;
  const plannedStart = addDays(input.lastWorkingDay, 1);
  // A delivery before the planned start means no pre-birth leave: all of it comes after.
  const start = delivery < plannedStart ? addDays(delivery, 1) : plannedStart;
  const preBirthTaken = Math.max(0, daysBetween(start, addDays(delivery, 1)));
  const unused = Math.max(0, r.earliestBefore - preBirthTaken);
  const end = addDays(delivery, r.afterBirth + unused);
  return { start, end, totalDays: daysBetween(start, end) + 1 };
}
