import { z } from 'zod';
import { AppError } from '../errors.js';
import { addDays, daysBetween } from './dates.js';

/** What an employer may record about a sickness (AP policy rules): never a diagnosis or cause. */
export const classifications = [
  'illness',
  'work_accident',
  'traffic_accident_liable_third_party',
  'pregnancy_related',
] as const;
export type Classification = (typeof classifications)[number];

export const percentageSchema = z.number().int().min(1).max(100);

export const otherEndReasons = ['out_of_service_while_sick', 'deceased', 'other'] as const;
export type OtherEndReason = (typeof otherEndReasons)[number];

/** A sick report older than this many days needs a reason. */
export const lateReportDays = 30;
/** Samentelling (BW 7:629 lid 10): an interruption of less than 4 weeks continues the count. */
export const samentellingDays = 28;

/** One period of the timeline: `percentage` sick from `from` through `until` (inclusive; null = open). */
export interface TimelinePeriod {
  from: string;
  until: string | null;
  percentage: number;
}
export type Timeline = TimelinePeriod[];

const invalid = (message: string, field?: string) =>
  new AppError('validation_failed', message, field ? [{ path: field, message }] : undefined);

/**
 * The same refusals without the case's dates and percentages, for a role that may report but not see
 * dossiers (an absence reporter "sees no dossier contents"): registered per error by `quoting`.
 */
const withoutFacts = new WeakMap<AppError, string>();

/** A refusal that quotes the case (`message`), with the words for someone who may not see it (`plain`). */
export function quoting(err: AppError, plain: string): AppError {
  withoutFacts.set(err, plain);
  return err;
}

/** `err` as someone who may not see the dossier gets it: the same refusal, without the case's facts. */
export function withoutDossierFacts(err: unknown): unknown {
  const plain = err instanceof AppError ? withoutFacts.get(err) : undefined;
  if (plain === undefined) return err;
  const e = err as AppError;
  const field = Array.isArray(e.details) ? (e.details[0] as { path?: string } | undefined)?.path : undefined;
  return new AppError(e.code, plain, field ? [{ path: field, message: plain }] : undefined);
}

/**
 * Converts hours not worked on a normal day into a percentage sick, against the employment's
 * contract hours spread over a five-day week.
 */
export function percentageFromHours(hoursNotWorked: number, hoursPerWeek: number | null | undefined): number {
  if (!hoursPerWeek || hoursPerWeek <= 0) {
    throw invalid(
      'the employment has no contract hours per week, so hours cannot be converted; give a percentage instead',
      'hoursNotWorked',
    );
  }
  const dayHours = hoursPerWeek / 5;
  if (!(hoursNotWorked > 0) || hoursNotWorked > dayHours + 1e-9) {
    throw invalid(
      `hours not worked (${hoursNotWorked}) must be more than 0 and at most the hours of a normal day ` +
        `(${Math.round(dayHours * 100) / 100} at ${hoursPerWeek} hours a week)`,
      'hoursNotWorked',
    );
  }
  return Math.min(100, Math.max(1, Math.round((hoursNotWorked / dayHours) * 100)));
}

export interface EmploymentPeriod {
  startDate: string;
  endDate: string | null;
}

/** Whether the employment covers `day` (its end date is the last day in service). */
export function inServiceOn(employment: EmploymentPeriod, day: string): boolean {
  return employment.startDate <= day && (employment.endDate === null || day <= employment.endDate);
}

/** Checks the first sick day of a new report against today and the employment. */
export function checkFirstSickDay(input: {
  firstSickDay: string;
  today: string;
  lateReason?: string | undefined;
  employment: EmploymentPeriod;
}): void {
  const { firstSickDay, today, employment } = input;
  if (firstSickDay > today) {
    throw invalid(
      `first sick day ${firstSickDay} is after today (${today}); report a sickness on or before today`,
      'firstSickDay',
    );
  }
  if (daysBetween(firstSickDay, today) > lateReportDays && !input.lateReason?.trim()) {
    throw invalid(
      `first sick day ${firstSickDay} is more than ${lateReportDays} days before today (${today}); ` +
        'give a lateReason saying why the report comes this late',
      'lateReason',
    );
  }
  if (!inServiceOn(employment, firstSickDay)) {
    throw invalid(
      `the employee is not in service on ${firstSickDay} (employment ${employment.startDate} through ` +
        `${employment.endDate ?? 'open'}); report a first sick day within the employment`,
      'firstSickDay',
    );
  }
}

export interface PreviousCase {
  id: string;
  countStart: string;
  firstSickDay: string;
  lastSickDay: string;
  /** False when another case continues it already: a count goes on in one case at a time. */
  continuable?: boolean;
}

export interface CountDecision {
  countStart: string;
  /** The case this report continues by samentelling, when it does. */
  continuesCaseId: string | null;
}

/**
 * Samentelling: a sickness starting within 4 weeks after the previous case ended continues that
 * case's 104-week count, unless another case continues it already (then it starts a count of its
 * own). A first sick day on or before the previous case's last sick day overlaps it.
 */
export function decideCount(firstSickDay: string, previous: PreviousCase | undefined): CountDecision {
  if (!previous) return { countStart: firstSickDay, continuesCaseId: null };
  if (firstSickDay <= previous.lastSickDay) {
    throw quoting(
      new AppError(
        'conflict',
        `first sick day ${firstSickDay} falls within the previous case (${previous.firstSickDay} through ` +
          `${previous.lastSickDay}); report a day after ${previous.lastSickDay} or correct the previous case`,
      ),
      `first sick day ${firstSickDay} falls within the employee's previous absence case; report a later day, ` +
        'or ask a user who can view the dossier to correct that case',
    );
  }
  if (previous.continuable !== false && daysBetween(previous.lastSickDay, firstSickDay) <= samentellingDays) {
    return { countStart: previous.countStart, continuesCaseId: previous.id };
  }
  return { countStart: firstSickDay, continuesCaseId: null };
}

/** A new timeline: one open period. */
export function startTimeline(firstSickDay: string, percentage: number): Timeline {
  return [{ from: firstSickDay, until: null, percentage }];
}

function openPeriod(timeline: Timeline): TimelinePeriod {
  const last = timeline.at(-1);
  if (!last || last.until !== null)
    throw new AppError('conflict', 'the case has already ended; no changes possible');
  return last;
}

/** Whether the first report may still be corrected: only while no partial recovery or relapse exists. */
export function correctionAllowed(timeline: Timeline): boolean {
  return timeline.length === 1;
}

/** Corrects first sick day and/or percentage of a case that has only its first report. */
export function correctTimeline(
  timeline: Timeline,
  change: { firstSickDay?: string | undefined; percentage?: number | undefined },
): Timeline {
  if (!correctionAllowed(timeline)) {
    const since = timeline[1]!.from;
    throw quoting(
      new AppError(
        'conflict',
        `the sick report can no longer be corrected: a partial recovery or relapse was recorded from ${since}; ` +
          'report a new percentage from a date instead',
      ),
      'the sick report can no longer be corrected: a partial recovery or relapse was recorded; ' +
        'report a new percentage from a date instead',
    );
  }
  const first = timeline[0]!;
  const from = change.firstSickDay ?? first.from;
  if (first.until !== null && from > first.until) {
    throw quoting(
      invalid(`first sick day ${from} is after the last sick day ${first.until}`, 'firstSickDay'),
      `first sick day ${from} is after the case's last sick day`,
    );
  }
  return [{ from, until: first.until, percentage: change.percentage ?? first.percentage }];
}

/** Partial recovery or relapse: a new percentage from a date; the running period ends the day before. */
export function changePercentage(
  timeline: Timeline,
  from: string,
  percentage: number,
  today: string,
): Timeline {
  const current = openPeriod(timeline);
  if (from > today) {
    throw invalid(
      `the change date ${from} is after today (${today}); report it on or after that day`,
      'from',
    );
  }
  if (from <= current.from) {
    throw quoting(
      invalid(
        `the change date ${from} must be after the start of the current period (${current.from}); ` +
          'to fix the first report, use a correction while no partial recovery exists',
        'from',
      ),
      `the change date ${from} is not after the start of the current period; give a later date`,
    );
  }
  if (percentage === current.percentage) {
    throw quoting(
      invalid(
        `the employee is already ${percentage}% sick since ${current.from}; give a different percentage`,
        'percentage',
      ),
      `the employee is already ${percentage}% sick; give a different percentage`,
    );
  }
  return [
    ...timeline.slice(0, -1),
    { ...current, until: addDays(from, -1) },
    { from, until: null, percentage },
  ];
}

/** The last sick day of a full recovery stated either way (first day back = the day after). */
export function lastSickDayOf(input: {
  lastSickDay?: string | undefined;
  firstDayBack?: string | undefined;
}): string {
  if (input.lastSickDay && input.firstDayBack) {
    throw invalid('give either lastSickDay or firstDayBack, not both', 'firstDayBack');
  }
  if (input.lastSickDay) return input.lastSickDay;
  if (input.firstDayBack) return addDays(input.firstDayBack, -1);
  throw invalid('give lastSickDay or firstDayBack', 'lastSickDay');
}

/** Ends the timeline on the last sick day (full recovery or other end). */
export function endTimeline(timeline: Timeline, lastSickDay: string, today: string): Timeline {
  const current = openPeriod(timeline);
  if (lastSickDay > today) {
    throw invalid(
      `last sick day ${lastSickDay} is after today (${today}); report the end once it has happened`,
      'lastSickDay',
    );
  }
  if (lastSickDay < current.from) {
    throw quoting(
      invalid(
        `last sick day ${lastSickDay} is before the start of the current period (${current.from}); ` +
          `the last sick day must be on or after ${current.from}`,
        'lastSickDay',
      ),
      `last sick day ${lastSickDay} is before the start of the current period; give a later day`,
    );
  }
  return [...timeline.slice(0, -1), { ...current, until: lastSickDay }];
}

/** The percentage sick on a day, or 0 when the timeline does not cover it. */
export function percentageOn(timeline: Timeline, day: string): number {
  const p = timeline.find((t) => t.from <= day && (t.until === null || day <= t.until));
  return p?.percentage ?? 0;
}
