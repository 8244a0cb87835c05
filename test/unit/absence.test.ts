import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { addDays } from '../../src/domain/dates.js';
import {
  changePercentage,
  checkFirstSickDay,
  correctTimeline,
  decideCount,
  endTimeline,
  lastSickDayOf,
  percentageFromHours,
  percentageOn,
  startTimeline,
} from '../../src/domain/absence.js';
import { anyDate } from './dates-arb.js';

const employment = { startDate: '2020-01-01', endDate: null };
const today = '2026-11-28';

describe('Sick report rules', () => {
  it('When the first sick day is after today, then the report is refused naming both dates', () => {
    expect(() => checkFirstSickDay({ firstSickDay: '2026-12-01', today, employment })).toThrow(
      'first sick day 2026-12-01 is after today (2026-11-28)',
    );
  });

  it('When the first sick day is more than 30 days back, then a reason is required', () => {
    expect(() => checkFirstSickDay({ firstSickDay: '2026-10-28', today, employment })).toThrow(/lateReason/);
    expect(() =>
      checkFirstSickDay({ firstSickDay: '2026-10-28', today, employment, lateReason: 'employee abroad' }),
    ).not.toThrow();
    expect(() => checkFirstSickDay({ firstSickDay: '2026-10-29', today, employment })).not.toThrow();
  });

  it('When the employee is not in service on the first sick day, then the report is refused', () => {
    const ended = { startDate: '2026-01-01', endDate: '2026-11-01' };
    expect(() => checkFirstSickDay({ firstSickDay: '2026-11-02', today, employment: ended })).toThrow(
      /not in service on 2026-11-02/,
    );
    expect(() => checkFirstSickDay({ firstSickDay: '2026-11-01', today, employment: ended })).not.toThrow();
    expect(() =>
      checkFirstSickDay({
        firstSickDay: '2026-11-20',
        today,
        employment: { startDate: '2026-11-21', endDate: null },
      }),
    ).toThrow(/not in service/);
  });
});

describe('Percentage from hours', () => {
  it('When 4 of 8 hours on a 40-hour week are not worked, then the employee is 50% sick', () => {
    expect(percentageFromHours(4, 40)).toBe(50);
    expect(percentageFromHours(2, 24)).toBe(42);
    expect(percentageFromHours(4.8, 24)).toBe(100);
  });

  it('When the hours exceed a normal day or the employment has no hours, then it is refused', () => {
    expect(() => percentageFromHours(9, 40)).toThrow(/at most the hours of a normal day \(8/);
    expect(() => percentageFromHours(0, 40)).toThrow(/more than 0/);
    expect(() => percentageFromHours(4, null)).toThrow(/no contract hours/);
  });

  it('When any valid hours are converted, then the percentage is between 1 and 100', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 80 }),
        fc.double({ min: 0.01, max: 1, noNaN: true }),
        (week, share) => {
          const p = percentageFromHours((week / 5) * share, week);
          expect(p).toBeGreaterThanOrEqual(1);
          expect(p).toBeLessThanOrEqual(100);
        },
      ),
    );
  });
});

describe('Timeline', () => {
  const t0 = startTimeline('2026-11-02', 100);

  it('When a partial recovery is reported, then the running period ends the day before and a new one starts', () => {
    const t1 = changePercentage(t0, '2026-11-16', 50, today);
    expect(t1).toEqual([
      { from: '2026-11-02', until: '2026-11-15', percentage: 100 },
      { from: '2026-11-16', until: null, percentage: 50 },
    ]);
    expect(percentageOn(t1, '2026-11-15')).toBe(100);
    expect(percentageOn(t1, '2026-11-20')).toBe(50);
  });

  it('When a change is not after the current period start, in the future, or the same percentage, then it is refused', () => {
    expect(() => changePercentage(t0, '2026-11-02', 50, today)).toThrow(/must be after the start/);
    expect(() => changePercentage(t0, '2026-11-29', 50, today)).toThrow(/after today/);
    expect(() => changePercentage(t0, '2026-11-10', 100, today)).toThrow(/already 100%/);
  });

  it('When only the first report exists, then it can be corrected; after a partial recovery it cannot', () => {
    expect(correctTimeline(t0, { firstSickDay: '2026-11-03', percentage: 60 })).toEqual([
      { from: '2026-11-03', until: null, percentage: 60 },
    ]);
    const t1 = changePercentage(t0, '2026-11-16', 50, today);
    expect(() => correctTimeline(t1, { percentage: 60 })).toThrow(/no longer be corrected.*2026-11-16/);
  });

  it('When a full recovery is given as first day back, then the last sick day is the day before', () => {
    expect(lastSickDayOf({ firstDayBack: '2026-11-20' })).toBe('2026-11-19');
    expect(lastSickDayOf({ lastSickDay: '2026-11-20' })).toBe('2026-11-20');
    expect(() => lastSickDayOf({ lastSickDay: '2026-11-20', firstDayBack: '2026-11-21' })).toThrow(
      /not both/,
    );
    expect(() => lastSickDayOf({})).toThrow(/lastSickDay or firstDayBack/);
  });

  it('When a case ends, then the last period closes; an end before the period start or a second end is refused', () => {
    const t1 = changePercentage(t0, '2026-11-16', 50, today);
    expect(endTimeline(t1, '2026-11-20', today).at(-1)).toEqual({
      from: '2026-11-16',
      until: '2026-11-20',
      percentage: 50,
    });
    expect(() => endTimeline(t1, '2026-11-15', today)).toThrow(/on or after 2026-11-16/);
    expect(() => endTimeline(endTimeline(t1, '2026-11-20', today), '2026-11-21', today)).toThrow(
      /already ended/,
    );
  });
});

describe('Samentelling', () => {
  const previous = {
    id: 'c1',
    countStart: '2026-01-05',
    firstSickDay: '2026-03-01',
    lastSickDay: '2026-03-31',
  };

  it('When a new sickness starts 28 days after the last sick day, then it continues the count; 29 days does not', () => {
    expect(decideCount('2026-04-28', previous)).toEqual({ countStart: '2026-01-05', continuesCaseId: 'c1' });
    expect(decideCount('2026-04-29', previous)).toEqual({ countStart: '2026-04-29', continuesCaseId: null });
  });

  it('When a new sickness starts on or before the previous last sick day, then it is refused as overlapping', () => {
    expect(() => decideCount('2026-03-31', previous)).toThrow(/falls within the previous case/);
    expect(() => decideCount('2026-03-31', { ...previous, continuable: false })).toThrow(
      /falls within the previous case/,
    );
  });

  it('When another case continues the previous one already, then a new sickness within 4 weeks starts a count of its own', () => {
    expect(decideCount('2026-04-10', { ...previous, continuable: false })).toEqual({
      countStart: '2026-04-10',
      continuesCaseId: null,
    });
  });

  it('When any gap is given, then the count continues exactly when the interruption is shorter than 4 weeks', () => {
    fc.assert(
      fc.property(
        anyDate,
        fc.integer({ min: 0, max: 400 }),
        fc.integer({ min: 1, max: 120 }),
        (first, len, gap) => {
          const last = addDays(first, len);
          const prev = { id: 'p', countStart: first, firstSickDay: first, lastSickDay: last };
          const next = addDays(last, gap);
          const d = decideCount(next, prev);
          expect(d.continuesCaseId === 'p').toBe(gap <= 28);
          expect(d.countStart).toBe(gap <= 28 ? first : next);
        },
      ),
    );
  });
});
