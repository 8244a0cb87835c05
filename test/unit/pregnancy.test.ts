import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { addDays, daysBetween } from '../../src/domain/dates.js';
import { computeLeave, leaveWindow } from '../../src/domain/pregnancy.js';
import { anyDate } from './dates-arb.js';

describe('Pregnancy leave', () => {
  it('When the expected date is 2027-01-15, then leave may start from 2026-12-05 through 2026-12-19', () => {
    const w = leaveWindow('2027-01-15', false);
    expect(w.earliestStart).toBe('2026-12-05');
    expect(w.latestStart).toBe('2026-12-19');
    expect(w.latestLastWorkingDay).toBe('2026-12-18');
  });

  it('When it is a multiple birth, then leave may start 10 to 8 weeks before and lasts 20 weeks', () => {
    const w = leaveWindow('2027-01-15', true);
    expect(w.earliestStart).toBe('2026-11-07');
    expect(w.latestStart).toBe('2026-11-21');
    const leave = computeLeave({ expectedDate: '2027-01-15', multiple: true, lastWorkingDay: '2026-11-06' });
    expect(leave.totalDays).toBe(140);
  });

  it('When the last working day is outside the window, then it is refused naming the window', () => {
    expect(() =>
      computeLeave({ expectedDate: '2027-01-15', multiple: false, lastWorkingDay: '2026-12-19' }),
    ).toThrow('must be from 2026-12-04 through 2026-12-18');
    expect(() =>
      computeLeave({ expectedDate: '2027-01-15', multiple: false, lastWorkingDay: '2026-12-03' }),
    ).toThrow(/outside the leave window/);
  });

  it('When leave starts 4 weeks before, then the unused 2 weeks are added after the birth', () => {
    const leave = computeLeave({ expectedDate: '2027-01-15', multiple: false, lastWorkingDay: '2026-12-18' });
    expect(leave.start).toBe('2026-12-19');
    expect(leave.end).toBe(addDays('2027-01-15', 84));
    expect(leave.totalDays).toBe(112);
  });

  it('When the baby comes 10 days late, then the leave still runs 10 weeks after the delivery', () => {
    const leave = computeLeave({
      expectedDate: '2027-01-15',
      multiple: false,
      lastWorkingDay: '2026-12-04',
      actualDeliveryDate: '2027-01-25',
    });
    expect(leave.end).toBe(addDays('2027-01-25', 70));
    expect(leave.totalDays).toBe(122);
  });

  it('When any expected date, allowed start and delivery date are given, then the leave is at least 16 (20) weeks with 10 weeks after birth', () => {
    fc.assert(
      fc.property(
        anyDate,
        fc.boolean(),
        fc.integer({ min: 0, max: 14 }),
        fc.integer({ min: -80, max: 30 }),
        (expected, multiple, startShift, deliveryShift) => {
          const w = leaveWindow(expected, multiple);
          const lastWorkingDay = addDays(w.earliestLastWorkingDay, startShift);
          const delivery = addDays(expected, deliveryShift);
          const leave = computeLeave({
            expectedDate: expected,
            multiple,
            lastWorkingDay,
            actualDeliveryDate: delivery,
          });
          const minimum = multiple ? 140 : 112;
          expect(leave.totalDays).toBeGreaterThanOrEqual(minimum);
          expect(daysBetween(delivery, leave.end)).toBeGreaterThanOrEqual(70);
          // Exactly the minimum unless the baby came after the earliest possible pre-birth leave ran out.
          const preTaken = Math.max(0, daysBetween(leave.start, addDays(delivery, 1)));
          if (preTaken <= (multiple ? 70 : 42)) expect(leave.totalDays).toBe(minimum);
          expect(leave.start >= w.earliestStart || leave.start > delivery).toBe(true);
        },
      ),
    );
  });
});
