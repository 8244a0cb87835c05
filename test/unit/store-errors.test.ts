import { describe, expect, it } from 'vitest';
import type { AppError } from '../../src/errors.js';
import { mapStoreError, nestFieldError, StoreRuleViolation } from '../../src/store/errors.js';

function mapped(pgErr: object, what?: string): AppError {
  try {
    mapStoreError(Object.assign(new Error('from the database'), pgErr), what);
  } catch (err) {
    return err as AppError;
  }
}

describe('refusals of the database as answers to a request', () => {
  it('When a known rule is broken, then the answer names the field and not the rule or the quoted values', () => {
    const err = mapped({
      code: '23505',
      constraint: 'employees_employer_id_personnel_number_unique',
      detail: 'Key (employer_id, personnel_number)=(5d0c, 123456789) already exists.',
    });
    expect([err.status, err.message, err.details]).toEqual([
      409,
      'personnelNumber: another employee of this employer has this personnel number',
      [{ path: 'personnelNumber', message: 'another employee of this employer has this personnel number' }],
    ]);
    const text = JSON.stringify({ message: err.message, details: err.details });
    expect(text).not.toMatch(/123456789|_unique|constraint/);
    // The rule's name is kept for the log, the database's detail is not.
    expect(err.cause).toBeInstanceOf(StoreRuleViolation);
    expect(JSON.stringify(err.cause)).not.toContain('123456789');
    expect((err.cause as StoreRuleViolation).constraint).toBe(
      'employees_employer_id_personnel_number_unique',
    );
  });

  it('When an unknown rule is broken, then the answer is general and does not name it', () => {
    const err = mapped(
      { code: '23514', constraint: 'some_internal_check', detail: 'Failing row contains (x)' },
      'employee',
    );
    expect([err.status, err.message, err.details]).toEqual([
      400,
      'The employee breaks a rule of the data.',
      undefined,
    ]);
  });

  it('When employment versions would overlap, then the answer names the date the change takes effect', () => {
    const err = mapped({ code: '23P01' });
    expect([err.status, err.details]).toEqual([
      400,
      [
        {
          path: 'from',
          message: 'the versions of the employment would overlap; pick a date within one version',
        },
      ],
    ]);
  });

  it('When an employment is given within an employee, then its fields are named under employment', () => {
    const err = nestFieldError(
      mapped({ code: '23514', constraint: 'employments_end_after_start' }),
      'employment',
    );
    expect((err as AppError).message).toBe('employment.endDate: the end date is before the start date');
  });

  it('When the error is no constraint violation, then it is thrown on as it is', () => {
    const other = new Error('connection lost');
    expect(() => mapStoreError(other)).toThrow(other);
  });
});
