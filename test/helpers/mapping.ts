import { expect } from 'vitest';
import { AppError } from '../../src/errors.js';
import { parseMapping } from '../../src/sync/mapping/index.js';
import type { MappingOutcome } from '../../src/sync/types.js';

/** A small valid mapping: line 5 personnelNumber, line 6 lastName, line 9 startDate. */
export const baseMapping = `
version: 1
name: t
employee:
  - { target: personnelNumber, source: Nr, required: true }
  - { target: lastName, source: Naam, required: true }
employments:
  fields:
    - { target: startDate, source: Start, transforms: [{ date: d-m-yyyy }], required: true }
`;

/** The error of a mapping text that must be refused when it is loaded (`load` reads it). */
export function refusedMapping(
  text: string,
  file = 'mappings/t.yaml',
  load: (text: string, file: string) => unknown = parseMapping,
): AppError {
  try {
    load(text, file);
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error('expected the mapping to be refused');
}

/** The candidate of a mapped record that must be fine; its problems otherwise fail the test. */
export function candidateOf(outcome: MappingOutcome) {
  if (!outcome.ok) throw new Error(outcome.problems.map((p) => `${p.field}: ${p.reason}`).join('\n'));
  return outcome.candidate;
}

/** The problems of a mapped record that must have some. */
export function problemsOf(outcome: MappingOutcome) {
  if (outcome.ok) throw new Error('expected problems');
  return outcome.problems;
}
