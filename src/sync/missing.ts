import { countedNotices, noticeLimit, type Notice } from './notices.js';
import { count, exec, rows, type Trx } from './sql.js';
import { endedEmploymentsTable } from './hooks.js';
import { removeVersionsOutside } from './employments.js';

export const missingReason = 'missing from complete delivery';
const withdrawnReason = 'missing from complete delivery before its start';

/**
 * Plans what a complete delivery ends by absence: current employments of employees missing from it,
 * and current employments missing for employees that are delivered with their employments.
 * Employees whose record was rejected are held: their data is unknown, not absent.
 * Returns the number of current employees and of employees who would lose an employment.
 */
export async function planMissing(
  trx: Trx,
  employerId: string,
  date: string,
  keyColumn: 'personnel_number' | 'remote_id',
): Promise<{ current: number; ended: number }> {
  // One pass over the employer's employments for both: the running ones a complete delivery no
  // longer has are ended; the ones that have not started are not current, so they are withdrawn
  // (see applyMissing). Joins rather than correlated subqueries: the staging tables are hashed once.
  await exec(
    trx,
    `create temp table plan_gone on commit drop as
     select m.id as employment_id, m.employee_id, m.external_id, m.start_date, m.end_date,
            m.start_date <= ?::date as started, p.employee_id is null as person_missing
       from employments m
       left join stg_person p on p.employee_id = m.employee_id
       left join (select distinct employee_id from stg_employment) d on d.employee_id = m.employee_id
      where m.employer_id = ? and (m.start_date > ?::date or m.end_date is null or m.end_date > ?::date)
        and not exists (select 1 from stg_employment s where s.external_id = m.external_id)
        -- Kept for a re-hire under its id (see rekeyRehired): the delivered contract that follows it
        -- names it, and it runs to its own end.
        and not (right(m.external_id, 11) = '/' || to_char(m.start_date, 'YYYY-MM-DD')
                 and exists (select 1 from stg_employment s where s.employee_id = m.employee_id
                               and s.external_id = left(m.external_id, -11)))
        and (p.employee_id is null or d.employee_id is not null)
        and not exists (select 1 from employees e join stg_held h on h.emp_key = e.${keyColumn}
                         where e.id = m.employee_id)`,
    [date, employerId, date, date],
  );
  await exec(
    trx,
    `create temp table plan_missing on commit drop as
     select employment_id, employee_id, person_missing from plan_gone where started`,
  );
  await exec(
    trx,
    `create temp table plan_withdrawn on commit drop as
     select g.*, exists (select 1 from absence_cases a where a.employment_id = g.employment_id)
              or exists (select 1 from pregnancy_cases c where c.employment_id = g.employment_id)
              or exists (select 1 from case_events e where e.employment_id = g.employment_id) as has_cases
       from plan_gone g where not g.started`,
  );
  // Every stored employee the delivery does not have is deleted at the source, also one whose
  // employments had ended before (a leaver the source no longer exports); a held one is not.
  await exec(
    trx,
    `create temp table plan_gone_people on commit drop as
     select e.id from employees e
      where e.employer_id = ? and e.remote_deleted_at is null
        and not exists (select 1 from stg_person p where p.employee_id = e.id)
        and not exists (select 1 from stg_held h where h.emp_key = e.${keyColumn})`,
    [employerId],
  );
  const current = await count(
    trx,
    `select count(distinct employee_id) as n from employments
      where employer_id = ? and start_date <= ?::date and (end_date is null or end_date >= ?::date)`,
    [employerId, date, date],
  );
  const ended = await count(trx, `select count(distinct employee_id) as n from plan_missing`);
  return { current, ended };
}

/**
 * Ends the planned employments (end date = delivery date), withdraws contracts that have not started,
 * marks every employee the delivery does not have as deleted at the source, writes one audit event per ended or
 * withdrawn employment and lists the ended employments for the hooks (`endedEmploymentsTable`).
 */
export async function applyMissing(
  trx: Trx,
  employerId: string,
  runId: string,
  date: string,
): Promise<{ written: number; notices: Notice[] }> {
  const withdrawn = await withdraw(trx, employerId, runId);
  let written = await exec(
    trx,
    `update employments m set end_date = ?::date, end_reason = ?, updated_at = now()
       from plan_missing p where m.id = p.employment_id`,
    [date, missingReason],
  );
  // A change planned after the delivery date never takes effect now.
  written += await removeVersionsOutside(
    trx,
    employerId,
    runId,
    'select employment_id from plan_missing',
    'afterEnd',
  );
  await exec(
    trx,
    `insert into ${endedEmploymentsTable} (employment_id, end_date) select employment_id, ?::date from plan_missing
     on conflict (employment_id) do nothing`,
    [date],
  );
  written += await exec(
    trx,
    `update employees e set remote_deleted_at = now(), updated_at = now()
      where e.id in (select id from plan_gone_people)`,
  );
  await exec(
    trx,
    `insert into touched (employee_id)
     select employee_id from plan_missing
     union select employee_id from plan_withdrawn where not has_cases
     on conflict do nothing`,
  );
  written += await exec(
    trx,
    `insert into audit_events (actor_type, actor_id, employer_id, action, entity_type, entity_id, details)
     select 'sync', ?, ?, 'employment.ended', 'employment', p.employment_id::text,
            jsonb_build_object('runId', ?::text, 'endDate', ?::text, 'reason', ?::text)
       from plan_missing p`,
    [runId, employerId, runId, date, missingReason],
  );
  return { written: written + withdrawn.written, notices: withdrawn.notices };
}

/**
 * Removes employments that never ran (`ids`: a query of their ids, with its `bindings`) with their
 * versions, each with an `employment.withdrawn` audit event that keeps its id, dates and `reason`.
 * Returns the rows written.
 */
export async function withdrawEmployments(
  trx: Trx,
  employerId: string,
  runId: string,
  reason: string,
  ids: string,
  bindings: readonly unknown[] = [],
): Promise<number> {
  let written = await exec(
    trx,
    `insert into audit_events (actor_type, actor_id, employer_id, action, entity_type, entity_id, details)
     select 'sync', ?, ?, 'employment.withdrawn', 'employment', m.id::text,
            jsonb_build_object('runId', ?::text, 'externalId', m.external_id,
                               'startDate', to_char(m.start_date, 'YYYY-MM-DD'),
                               'endDate', to_char(m.end_date, 'YYYY-MM-DD'), 'reason', ?::text)
       from employments m where m.id in (${ids})`,
    [runId, employerId, runId, reason, ...bindings],
  );
  written += await exec(trx, `delete from employment_versions where employment_id in (${ids})`, bindings);
  written += await exec(trx, `delete from employments where id in (${ids})`, bindings);
  return written;
}

/**
 * Contracts that have not started and that a complete delivery no longer has (a hire that was called
 * off) are removed with their versions, each with an audit event that keeps its dates: left open,
 * the employee would stay in service, and the first complete delivery after the start would end a
 * contract that never ran. One that already has an absence or pregnancy case stays, with a notice.
 */
async function withdraw(
  trx: Trx,
  employerId: string,
  runId: string,
): Promise<{ written: number; notices: Notice[] }> {
  const written = await withdrawEmployments(
    trx,
    employerId,
    runId,
    withdrawnReason,
    'select employment_id from plan_withdrawn where not has_cases',
  );
  const found = await rows<{ external_id: string; start_date: string; has_cases: boolean; n: string }>(
    trx,
    `select external_id, to_char(start_date, 'YYYY-MM-DD') as start_date, has_cases, count(*) over () as n
       from plan_withdrawn order by external_id limit ?`,
    [noticeLimit],
  );
  const notices = found.map((w) => ({
    position: '',
    field: 'employment',
    message: w.has_cases
      ? `employment ${w.external_id} (from ${w.start_date}) is missing from the complete delivery and has not started; it was kept, as it has an absence or pregnancy case`
      : `employment ${w.external_id} (from ${w.start_date}) is missing from the complete delivery and had not started: it was withdrawn`,
  }));
  return {
    written,
    notices: countedNotices(
      notices,
      Number(found[0]?.n ?? 0),
      'employment',
      'contracts not started that the delivery no longer has',
    ),
  };
}
