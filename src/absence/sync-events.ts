import type { Knex } from 'knex';
import { addDays } from '../domain/dates.js';

/** How far ahead the end of a fixed-term employment of a sick employee is signalled. */
export const fixedTermWarningDays = 42;

/**
 * Called by the sync's apply step, inside its transaction: records an event on every open absence
 * case of the ended employments. The case stays open: an employee out of service while sick keeps
 * the case until it is ended explicitly. Idempotent per case, kind and date.
 */
export async function recordEmploymentsEnded(
  trx: Knex,
  input: { employmentIds: string[]; runId: string; endDate: string },
): Promise<number> {
  if (input.employmentIds.length === 0) return 0;
  const cases = (await trx('absence_cases')
    .whereIn('employment_id', input.employmentIds)
    .where({ status: 'open' })
    .select('id', 'employer_id', 'employee_id', 'employment_id')) as Array<{
    id: string;
    employer_id: string;
    employee_id: string;
    employment_id: string;
  }>;
  if (cases.length === 0) return 0;
  const inserted = (await trx('case_events')
    .insert(
      cases.map((c) => ({
        employer_id: c.employer_id,
        employee_id: c.employee_id,
        employment_id: c.employment_id,
        absence_case_id: c.id,
        kind: 'employment_ended_while_sick',
        event_date: input.endDate,
        sync_run_id: input.runId,
      })),
    )
    .onConflict(['absence_case_id', 'kind', 'event_date'])
    .ignore()
    .returning('id')) as unknown[];
  return inserted.length;
}

export interface FixedTermEnding {
  employerId: string;
  employeeId: string;
  employmentId: string;
  caseId: string;
  endDate: string;
}

/**
 * Fixed-term employments (contract type B on the end date) of employees with an open absence case
 * that end from `today` through 6 weeks ahead. With `record`, each is stored once as a case event.
 */
export async function fixedTermEndingsOfSick(
  db: Knex,
  today: string,
  options: { employerId?: string; record?: boolean } = {},
): Promise<FixedTermEnding[]> {
  const rows = (await db('absence_cases as c')
    .join('employments as e', 'e.id', 'c.employment_id')
    .join('employment_versions as v', function () {
      this.on('v.employment_id', 'e.id')
        .andOn('v.valid_from', '<=', 'e.end_date')
        .andOn(db.raw('(v.valid_to is null or v.valid_to >= e.end_date)'));
    })
    .where('c.status', 'open')
    .where('v.contract_type', 'B')
    .whereBetween('e.end_date', [today, addDays(today, fixedTermWarningDays)])
    .modify((q) => {
      if (options.employerId) q.where('c.employer_id', options.employerId);
    })
    .select('c.employer_id', 'c.employee_id', 'c.employment_id', 'c.id as case_id', 'e.end_date')
    .orderBy('e.end_date')) as Array<{
    employer_id: string;
    employee_id: string;
    employment_id: string;
    case_id: string;
    end_date: string;
  }>;
  const endings = rows.map((r) => ({
    employerId: r.employer_id,
    employeeId: r.employee_id,
    employmentId: r.employment_id,
    caseId: r.case_id,
    endDate: r.end_date,
  }));
  if (options.record && endings.length > 0) {
    await db('case_events')
      .insert(
        endings.map((e) => ({
          employer_id: e.employerId,
          employee_id: e.employeeId,
          employment_id: e.employmentId,
          absence_case_id: e.caseId,
          kind: 'fixed_term_ending_while_sick',
          event_date: e.endDate,
        })),
      )
      .onConflict(['absence_case_id', 'kind', 'event_date'])
      .ignore();
  }
  return endings;
}
