import type { Knex } from 'knex';
import { addDays } from '../domain/dates.js';

/** How far ahead the end of a fixed-term employment of a sick employee is signalled. */
export const fixedTermWarningDays = 42;

/**
 * Called by the sync's apply step, inside its transaction: records an event on every open absence
 * case of the employments in `table` (`employment_id`, `end_date`: what the run ended, on which
 * date). The case stays open: an employee out of service while sick keeps the case until it is
 * ended explicitly. An end the source withdrew (`end_date` null) after one was recorded on the case
 * is recorded too (`employment_end_withdrawn`, on the delivery date `date`). Idempotent per case,
 * kind and date.
 */
export async function recordEmploymentsEnded(
  trx: Knex,
  input: { table: string; runId: string; date: string },
): Promise<number> {
  const result = (await trx.raw(
    `insert into case_events (employer_id, employee_id, employment_id, absence_case_id, kind, event_date, sync_run_id)
     select c.employer_id, c.employee_id, c.employment_id, c.id,
            case when x.end_date is null then 'employment_end_withdrawn' else 'employment_ended_while_sick' end,
            coalesce(x.end_date, ?::date), ?
       from ${input.table} x join absence_cases c on c.employment_id = x.employment_id and c.status = 'open'
      where x.end_date is not null
         or exists (select 1 from case_events e
                     where e.absence_case_id = c.id and e.kind = 'employment_ended_while_sick')
     on conflict (absence_case_id, kind, event_date) do nothing`,
    [input.date, input.runId],
  )) as { rowCount?: number | null };
  return result.rowCount ?? 0;
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
