import fc from 'fast-check';
import { addDays } from '../../src/domain/dates.js';

/** Any calendar date from 1990 through 2060 (leap years and year ends included). */
export const isoDate = fc.integer({ min: 0, max: 70 * 366 }).map((n) => addDays('1990-01-01', n));

/** A date in the last days of December or around 29 February, where date arithmetic breaks first. */
export const edgeDate = fc.oneof(
  fc
    .integer({ min: 1990, max: 2060 })
    .chain((y) => fc.integer({ min: 0, max: 12 }).map((d) => addDays(`${y}-12-20`, d))),
  fc
    .integer({ min: 1990, max: 2060 })
    .chain((y) => fc.integer({ min: 0, max: 4 }).map((d) => addDays(`${y}-02-26`, d))),
);

export const anyDate = fc.oneof(isoDate, edgeDate);
