import type { Knex } from 'knex';
import { addDays } from '../domain/dates.js';

/** How far ahead the end of a fixed-term employment of a sick employee is signalled. */
export const fixedTermWarningDays = 42;

/** The kinds of event the sync records on a case as the source's end dates change. */
const endKinds = ['employment_ended_while_sick', 'employment_end_withdrawn'] as const;

/**
 * Called by the sync's apply step, inside its transaction, and by a hand edit of an employment's end
 * date, inside its own: records an event on every open absence
 * case of the employments in `table` (`employment_id`, `end_date`: what the run ended, on which
 * date). The case stays open: an employee out of service while sick keeps the case until it is
 * ended explicitly. An end the source withdrew (`end_date` null) after one was recorded on the case
 * is recorded too (`employment_end_withdrawn`, on the delivery date `date`). An event is recorded
 * when it differs from the case's latest one of these kinds, so an end, its withdrawal and the same
 * end again are three events, and the same end twice is one.
 */
export async function recordEmploymentsEnded(
  trx: Knex,
  input: {
    /** A table, or a subquery with `bindings`, of `employment_id` and `end_date`. */
    table: string;
    bindings?: readonly (string | null)[];
    /** The sync run; null for an end date edited by hand. */
    runId: string | null;
    date: string;
  },
): Promise<number> {
  const result = (await trx.raw(
    // Recorded at the statement's own time, not at the start of the run's transaction (minutes
    // earlier): an event recorded on the case meanwhile (a sick report) must not seem the later one.
    `insert into case_events (employer_id, employee_id, employment_id, absence_case_id, kind, event_date, sync_run_id,
                              recorded_at)
     select c.employer_id, c.employee_id, c.employment_id, c.id, k.kind, k.event_date, ?, clock_timestamp()
       from ${input.table} x
       join absence_cases c on c.employment_id = x.employment_id and c.status = 'open'
       cross join lateral (
         select case when x.end_date is null then ? else ? end as kind,
                coalesce(x.end_date, ?::date) as event_date) k
       left join lateral (
         select e.kind, e.event_date from case_events e
          where e.absence_case_id = c.id and e.kind in (?, ?)
          order by e.recorded_at desc, e.id desc limit 1) latest on true
      where (latest.kind, latest.event_date) is distinct from (k.kind, k.event_date)
        and (x.end_date is not null or latest.kind = ?)`,
    [input.runId, ...(input.bindings ?? []), endKinds[1], endKinds[0], input.date, ...endKinds, endKinds[0]],
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
      .onConflict(db.raw(`(absence_case_id, event_date) where kind = 'fixed_term_ending_while_sick'`))
      .ignore();
  }
  return endings;
}
