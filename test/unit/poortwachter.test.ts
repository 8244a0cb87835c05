import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { addDays, daysBetween } from '../../src/domain/dates.js';
import {
  endOfWeek,
  poortwachterSchedule,
  taskUrgency,
  type CountGap,
} from '../../src/domain/poortwachter.js';
import { dutchHolidays, easterSunday, isWorkingDay, weekday } from '../../src/domain/workdays.js';
import { anyDate } from './dates-arb.js';

const due = (countStart: string, kind: string, occurrence = 1) =>
  poortwachterSchedule(countStart).find((t) => t.kind === kind && t.occurrence === occurrence)?.dueDate;

describe('Poortwachter schedule', () => {
  it('When a sickness starts on 2026-12-28, then the fixed steps fall at the end of weeks 1, 6, 8, 52, 90 and 104', () => {
    const s = '2026-12-28';
    expect(due(s, 'report_to_arbodienst')).toBe('2027-01-03');
    expect(due(s, 'problem_analysis')).toBe('2027-02-07');
    expect(due(s, 'plan_of_action')).toBe('2027-02-21');
    expect(due(s, 'evaluation', 1)).toBe('2027-04-04');
    expect(due(s, 'first_year_evaluation')).toBe('2027-12-26');
    expect(due(s, 'wia_application')).toBe('2028-09-17');
    expect(due(s, 'end_of_wage_payment')).toBe('2028-12-24');
  });

  it('When week 42 ends on a Saturday, then the UWV report is due the following Monday', () => {
    // Week 42 of a count starting on Sunday 2027-01-03 ends on Saturday 2027-10-23.
    expect(endOfWeek('2027-01-03', 42)).toBe('2027-10-23');
    expect(due('2027-01-03', 'uwv_42_week_report')).toBe('2027-10-25');
  });

  it('When a count continues after 20 days without sickness (samentelling), then the steps after that gap come 20 days later', () => {
    const gaps = [{ lastSickDay: '2026-02-19', nextFirstSickDay: '2026-03-12' }];
    const at = (kind: string) =>
      poortwachterSchedule('2026-01-05', gaps).find((t) => t.kind === kind)?.dueDate;
    // Week 6 ended while the first case ran: it stays.
    expect(at('problem_analysis')).toBe('2026-02-15');
    expect(at('plan_of_action')).toBe('2026-03-21');
    expect(at('uwv_42_week_report')).toBe('2026-11-16');
    expect(at('wia_application')).toBe('2027-10-16');
    expect(at('end_of_wage_payment')).toBe('2028-01-22');
  });

  it('When a count has gaps, then each week ends on a sick day after exactly 7 x week sick days', () => {
    const stretch = fc.tuple(fc.integer({ min: 1, max: 120 }), fc.integer({ min: 1, max: 28 }));
    fc.assert(
      fc.property(
        anyDate,
        fc.array(stretch, { maxLength: 4 }),
        fc.integer({ min: 1, max: 104 }),
        (start, stretches, week) => {
          const gaps: CountGap[] = [];
          let day = start;
          for (const [sick, free] of stretches) {
            const lastSickDay = addDays(day, sick - 1);
            day = addDays(lastSickDay, free + 1);
            gaps.push({ lastSickDay, nextFirstSickDay: day });
          }
          const end = endOfWeek(start, week, gaps);
          const inGap = (d: string) => gaps.some((g) => d > g.lastSickDay && d < g.nextFirstSickDay);
          expect(inGap(end)).toBe(false);
          const free = gaps
            .filter((g) => g.lastSickDay < end)
            .reduce((n, g) => n + daysBetween(g.lastSickDay, g.nextFirstSickDay) - 1, 0);
          expect(daysBetween(start, end) + 1 - free).toBe(7 * week);
        },
      ),
    );
  });

  it('When the day after week 42 is Christmas, then the UWV report is due on the next working day', () => {
    // Count start such that week 42 ends on 2026-12-24 (Thursday): start = 2026-12-24 - 293 days.
    const start = addDays('2026-12-24', -293);
    expect(endOfWeek(start, 42)).toBe('2026-12-24');
    expect(due(start, 'uwv_42_week_report')).toBe('2026-12-28');
  });

  it('When any first sick day is given, then every week-based step is due exactly 7 x week - 1 days later', () => {
    fc.assert(
      fc.property(anyDate, (start) => {
        for (const t of poortwachterSchedule(start)) {
          if (t.kind === 'uwv_42_week_report') continue;
          expect(daysBetween(start, t.dueDate)).toBe(7 * t.week - 1);
        }
      }),
    );
  });

  it('When any first sick day is given, then the UWV report is the first working day after week 42', () => {
    fc.assert(
      fc.property(anyDate, (start) => {
        const d = due(start, 'uwv_42_week_report')!;
        const afterWeek42 = addDays(start, 294);
        expect(d >= afterWeek42).toBe(true);
        expect(isWorkingDay(d)).toBe(true);
        for (let x = afterWeek42; x < d; x = addDays(x, 1)) expect(isWorkingDay(x)).toBe(false);
      }),
    );
  });

  it('When any first sick day is given, then the steps are sorted and evaluations come every 6 weeks until week 104', () => {
    fc.assert(
      fc.property(anyDate, (start) => {
        const s = poortwachterSchedule(start);
        for (let i = 1; i < s.length; i++) expect(s[i - 1]!.dueDate <= s[i]!.dueDate).toBe(true);
        const evals = s.filter((t) => t.kind === 'evaluation').map((t) => t.week);
        expect(evals[0]).toBe(14);
        expect(evals.at(-1)).toBe(98);
        evals.slice(1).forEach((w, i) => expect(w - evals[i]!).toBe(6));
      }),
    );
  });

  it('When a task is due before, within a week of, or later than today, then it is overdue, due now or future', () => {
    expect(taskUrgency('2026-11-27', '2026-11-28')).toBe('overdue');
    expect(taskUrgency('2026-11-28', '2026-11-28')).toBe('due_now');
    expect(taskUrgency('2026-12-05', '2026-11-28')).toBe('due_now');
    expect(taskUrgency('2026-12-06', '2026-11-28')).toBe('future');
  });
});

describe('Working days', () => {
  it('When Easter is computed, then known dates come out (2024-03-31, 2025-04-20, 2026-04-05, 2038-04-25)', () => {
    expect(easterSunday(2024)).toBe('2024-03-31');
    expect(easterSunday(2025)).toBe('2025-04-20');
    expect(easterSunday(2026)).toBe('2026-04-05');
    expect(easterSunday(2038)).toBe('2038-04-25');
  });

  it("When King's Day falls on a Sunday, then the holiday is the Saturday before", () => {
    expect(weekday('2025-04-27')).toBe(0);
    expect(dutchHolidays(2025).has('2025-04-26')).toBe(true);
    expect(dutchHolidays(2026).has('2026-04-27')).toBe(true);
  });

  it('When a day is a weekend day or a holiday, then it is no working day', () => {
    expect(isWorkingDay('2026-11-28')).toBe(false);
    expect(isWorkingDay('2026-12-25')).toBe(false);
    expect(isWorkingDay('2026-04-06')).toBe(false);
    expect(isWorkingDay('2026-11-30')).toBe(true);
  });
});
