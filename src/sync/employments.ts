import { countedNotices, noticeLimit, type Notice } from './notices.js';
import { endedEmploymentsTable } from './hooks.js';
import { count, exec, rows, type Trx } from './sql.js';

const terms = [
  'department_id',
  'function_code',
  'function_name',
  'contract_type',
  'hours',
  'normal_hours',
  'no_risk_policy',
] as const;
const versionColumns: Record<(typeof terms)[number], string> = {
  department_id: 'department_id',
  function_code: 'function_code',
  function_name: 'function_name',
  contract_type: 'contract_type',
  hours: 'hours_per_week',
  normal_hours: 'normal_hours_per_week',
  no_risk_policy: 'no_risk_policy',
};

/**
 * Plans the delivered employments against the stored ones: new employments, changed employment
 * dates, and for the terms valid from `validFrom` either a correction (a version from that date
 * exists: rewrite it) or a change (no version from that date: add one and close the one before).
 * Without `validFrom`, a new employment's terms hold from its start date, and an existing one's from
 * the delivery date (not before the start): sources without change dates (a nightly CSV) deliver
 * today's terms, so a difference is a change from today, not a rewrite of history. An employment
 * that ended before the delivery date has no today: its last version is corrected, also when it
 * starts after the end (an exit entered after a change), so no earlier period takes its terms.
 */
async function planEmployments(trx: Trx, employerId: string, date: string): Promise<void> {
  const delivered = `(${terms.map((t) => `s.${t}`).join(', ')})`;
  const covering = `(${terms.map((t) => `c.${versionColumns[t]}`).join(', ')})`;
  await exec(
    trx,
    `create temp table plan_employment on commit drop as
     select s.*, coalesce(m.id, s.new_employment_id) as employment_id, m.id is null as is_new,
            m.id is not null and (s.start_date, s.end_date, s.end_reason) is distinct from
              (m.start_date, m.end_date, m.end_reason) as dates_changed,
            case when m.id is null then null
                 -- Terms delivered from a date after the delivered end never take effect (an exit
                 -- entered with the day after it as the change date): the end is applied, not they.
                 when s.valid_from > s.end_date then null
                 when x.id is not null then case when ${delivered} is distinct from ${covering} then 'correction' end
                 when c.id is null or ${delivered} is distinct from ${covering} then 'change' end as terms_action,
            c.id as covering_id, v.vf,
            (select min(n.valid_from) from employment_versions n
              where n.employment_id = m.id and n.valid_from > v.vf) as next_from,
            null::date[] as superseded
       from (select e.*, d.id as department_id
               from stg_employment e
               left join departments d on d.employer_id = ? and d.code = e.department_code) s
       left join employments m on m.employer_id = ? and m.external_id = s.external_id
       cross join lateral (
         select case when s.valid_from is not null then s.valid_from
                     when m.id is null then s.start_date
                     when s.end_date < ?::date then greatest(s.start_date, (select max(l.valid_from)
                       from employment_versions l where l.employment_id = m.id))
                     else greatest(s.start_date, ?::date) end as vf) v
       left join employment_versions x on x.employment_id = m.id and x.valid_from = v.vf
       left join lateral (
         (select * from employment_versions c where c.employment_id = m.id and c.valid_from <= v.vf
           order by c.valid_from desc limit 1)
         union all
         (select * from employment_versions c where c.employment_id = m.id and c.valid_from > v.vf
           order by c.valid_from limit 1)
         limit 1) c on true`,
    [employerId, employerId, date, date],
  );
}

/**
 * A complete delivery gives each employment's latest terms, from `validFrom`. Stored versions that
 * start after that date are changes the source no longer has (a transfer that was cancelled, a
 * change date corrected to an earlier day, a planned change withdrawn): the delivered terms hold
 * from `validFrom` on, and those versions go. Left in place, a cancelled transfer would stay the
 * current department for good, and with it which managers see the employee. Mutation deliveries add
 * a change from an earlier date between the stored versions instead.
 */
async function planSupersededVersions(trx: Trx): Promise<void> {
  await exec(
    trx,
    `update plan_employment p set superseded = q.starts, next_from = null
       from (select p2.employment_id, array_agg(n.valid_from order by n.valid_from) as starts
               from plan_employment p2
               join employment_versions c on c.id = p2.covering_id
               join employment_versions n on n.employment_id = p2.employment_id and n.valid_from > p2.vf
              where p2.valid_from is not null and not p2.is_new
                -- Delivered from before every stored version (a start moved earlier): the first
                -- version stays when its terms are the delivered ones (it moves to the new start).
                and (c.valid_from <= p2.vf or p2.terms_action = 'change' or n.id <> c.id)
              group by p2.employment_id) q
      where p.employment_id = q.employment_id`,
  );
}

/** The start dates of the versions a complete delivery removes, in order, as text. */
const supersededDates = `array(select to_char(d, 'YYYY-MM-DD') from unnest(p.superseded) d order by d)`;

/** What the operator is told of versions a complete delivery removed (see `planSupersededVersions`). */
async function supersededNotices(trx: Trx): Promise<Notice[]> {
  const found = await rows<{
    position: string;
    external_id: string;
    vf: string;
    superseded: string[];
    n: string;
  }>(
    trx,
    `select r.position, p.external_id, to_char(p.vf, 'YYYY-MM-DD') as vf,
            ${supersededDates} as superseded,
            count(*) over () as n
       from plan_employment p join stg_rec r using (rec)
      where p.superseded is not null
      order by p.rec, p.external_id limit ?`,
    [noticeLimit],
  );
  const notices: Notice[] = found.map((f) => ({
    position: f.position,
    field: 'employment.validFrom',
    message:
      `employment ${f.external_id}: the complete delivery gives its terms from ${f.vf}, so the ` +
      `${f.superseded.length === 1 ? 'version' : 'versions'} from ${f.superseded.join(', ')}, which the source no longer has, ` +
      `${f.superseded.length === 1 ? 'was' : 'were'} removed`,
  }));
  return countedNotices(
    notices,
    Number(found[0]?.n ?? 0),
    'employment.validFrom',
    'employments whose later versions the complete delivery removed',
  );
}

/**
 * Applies the planned employments and versions (`date`: the delivery date; `complete`: a complete
 * delivery, whose terms replace the versions after the delivered date); returns the rows written and
 * what the operator is told of versions removed.
 */
export async function applyEmployments(
  trx: Trx,
  employerId: string,
  date: string,
  complete: boolean,
  runId: string,
): Promise<{ written: number; notices: Notice[] }> {
  await planEmployments(trx, employerId, date);
  if (complete) await planSupersededVersions(trx);
  const versionCols = terms.map((t) => versionColumns[t]);
  let written = await exec(
    trx,
    `insert into employments (id, employer_id, employee_id, external_id, start_date, end_date, end_reason)
     select employment_id, ?, employee_id, external_id, start_date, end_date, end_reason
       from plan_employment where is_new`,
    [employerId],
  );
  // A new employment's first version holds from its start date.
  written += await exec(
    trx,
    `insert into employment_versions (id, employment_id, valid_from, ${versionCols.join(', ')})
     select new_version_id, employment_id, start_date, ${terms.join(', ')} from plan_employment where is_new`,
  );
  // An end date the source delivers, moves or withdraws (null) is listed for the hooks.
  await exec(
    trx,
    `insert into ${endedEmploymentsTable} (employment_id, end_date)
     select p.employment_id, p.end_date from plan_employment p join employments m on m.id = p.employment_id
      where p.dates_changed and p.end_date is distinct from m.end_date
     on conflict (employment_id) do nothing`,
  );
  // A last version closed on the end date (as a hand edit ends an employment) moves with that end:
  // reopened, it holds on open-ended; moved, it ends on the new day. Left closed, the employee would
  // have no terms after the old end, and drop out of their department. A version that starts after
  // an earlier new end keeps its dates (see `planEmployments`). Before the terms below, so a change
  // closes the reopened version, and before the stored end is overwritten.
  written += await exec(
    trx,
    `update employment_versions v set valid_to = p.end_date, updated_at = now()
       from plan_employment p join employments m on m.id = p.employment_id
      where p.dates_changed and v.employment_id = p.employment_id and v.valid_to = m.end_date
        and p.end_date is distinct from m.end_date and (p.end_date is null or p.end_date >= v.valid_from)
        and not exists (select 1 from employment_versions n
                         where n.employment_id = v.employment_id and n.valid_from > v.valid_from)`,
  );
  written += await exec(
    trx,
    `update employments m set start_date = p.start_date, end_date = p.end_date, end_reason = p.end_reason,
            updated_at = now()
       from plan_employment p where m.id = p.employment_id and p.dates_changed`,
  );
  if (complete) {
    // History that goes is written down: which versions, from which run, for which delivered date.
    written += await exec(
      trx,
      `insert into audit_events (actor_type, actor_id, employer_id, action, entity_type, entity_id, details)
       select 'sync', ?, ?, 'employment.versions_removed', 'employment', p.employment_id::text,
              jsonb_build_object('runId', ?::text, 'validFrom', to_char(p.vf, 'YYYY-MM-DD'),
                'removed', to_jsonb(${supersededDates}))
         from plan_employment p where p.superseded is not null`,
      [runId, employerId, runId],
    );
    written += await exec(
      trx,
      `delete from employment_versions v using plan_employment p
        where p.superseded is not null and v.employment_id = p.employment_id and v.valid_from = any(p.superseded)`,
    );
  }
  written += await exec(
    trx,
    `update employment_versions v set ${terms.map((t) => `${versionColumns[t]} = p.${t}`).join(', ')},
            updated_at = now()
       from plan_employment p
      where p.terms_action = 'correction' and v.employment_id = p.employment_id and v.valid_from = p.vf`,
  );
  written += await exec(
    trx,
    `update employment_versions v set valid_to = p.vf - 1, updated_at = now()
       from plan_employment p
      where p.terms_action = 'change' and v.id = p.covering_id and v.valid_from < p.vf
        and (v.valid_to is null or v.valid_to >= p.vf)`,
  );
  written += await exec(
    trx,
    `insert into employment_versions (id, employment_id, valid_from, valid_to, ${versionCols.join(', ')})
     select new_version_id, employment_id, vf, next_from - 1, ${terms.join(', ')} from plan_employment
      where terms_action = 'change'`,
  );
  if (complete) {
    // Without a new version from the delivered date, the version in force then holds on, open-ended.
    written += await exec(
      trx,
      `update employment_versions v set valid_to = p.next_from - 1, updated_at = now()
         from plan_employment p
        where p.superseded is not null and p.terms_action is distinct from 'change' and v.id = p.covering_id
          and v.valid_to is distinct from p.next_from - 1`,
    );
  }
  written += await removeVersionsOutside(
    trx,
    employerId,
    runId,
    'select employment_id from plan_employment where dates_changed',
    'beforeStart',
  );
  // A corrected start date takes the first terms with it: moved earlier, the first version holds
  // from the new start (no days without terms); moved later, the first version still in force then
  // starts with it (those that ended before it went above).
  written += await exec(
    trx,
    `update employment_versions v set valid_from = p.start_date, updated_at = now()
       from plan_employment p
      where p.dates_changed and v.employment_id = p.employment_id and v.valid_from <> p.start_date
        and v.valid_from = (select min(f.valid_from) from employment_versions f
                             where f.employment_id = p.employment_id)
        and (v.valid_from > p.start_date or v.valid_to is null or v.valid_to >= p.start_date)`,
  );
  await exec(
    trx,
    // Touched are stored employees whose employments changed; new employees are counted as created.
    `insert into touched (employee_id)
     select e.employee_id from plan_employment e
      where (e.is_new or e.dates_changed or e.terms_action is not null or e.superseded is not null)
        and not exists (select 1 from plan_person p where p.employee_id = e.employee_id and p.created)
     on conflict do nothing`,
  );
  const notices = complete ? await supersededNotices(trx) : [];
  return { written, notices: [...notices, ...(await casesOutsideNotices(trx))] };
}

/**
 * Versions that lie outside their employment's dates once a run moved them (`employmentIds`: a query
 * of those employment ids) go, each employment's with an audit event naming them: `beforeStart`, one
 * that ended before a start moved later (its terms never held in the employment); `afterEnd`, one
 * that starts after the end a complete delivery gave by absence (a planned change that never takes
 * effect; the version then last holds on to the end). A delivered end before a later version keeps
 * it: it takes the delivered terms (see `planEmployments`). Returns the rows written.
 */
export async function removeVersionsOutside(
  trx: Trx,
  employerId: string,
  runId: string,
  employmentIds: string,
  side: 'beforeStart' | 'afterEnd',
): Promise<number> {
  const outside =
    side === 'beforeStart'
      ? 'v.valid_to is not null and v.valid_to < m.start_date'
      : 'm.end_date is not null and v.valid_from > m.end_date';
  const written = await count(
    trx,
    `with gone as (
       delete from employment_versions v using employments m
        where m.id = v.employment_id and m.id in (${employmentIds}) and ${outside}
       returning v.employment_id, v.valid_from),
     logged as (
       insert into audit_events (actor_type, actor_id, employer_id, action, entity_type, entity_id, details)
       select 'sync', ?, ?, 'employment.versions_removed', 'employment', g.employment_id::text,
              jsonb_build_object('runId', ?::text, 'reason', 'outside the dates of the employment',
                'removed', jsonb_agg(to_char(g.valid_from, 'YYYY-MM-DD') order by g.valid_from))
         from gone g group by g.employment_id
       returning 1)
     select (select count(*) from gone) + (select count(*) from logged) as n`,
    [runId, employerId, runId],
  );
  if (written === 0 || side === 'beforeStart') return written;
  return (
    written +
    (await exec(
      trx,
      `update employment_versions v set valid_to = null, updated_at = now()
         from employments m
        where m.id = v.employment_id and m.id in (${employmentIds}) and m.end_date is not null
          and v.valid_to >= m.end_date
          and not exists (select 1 from employment_versions n
                           where n.employment_id = v.employment_id and n.valid_from > v.valid_from)`,
    ))
  );
}

/**
 * Employments whose delivered dates leave an open absence case outside them (a start moved past the
 * first sick day, an end moved before it): the source is followed, and the operator is told, as the
 * case no longer lies in an employment and needs a person to look at it.
 */
async function casesOutsideNotices(trx: Trx): Promise<Notice[]> {
  const found = await rows<{
    position: string;
    external_id: string;
    start_date: string;
    end_date: string | null;
    first_sick_day: string;
    n: string;
  }>(
    trx,
    `select r.position, p.external_id, to_char(m.start_date, 'YYYY-MM-DD') as start_date,
            to_char(m.end_date, 'YYYY-MM-DD') as end_date,
            to_char(c.first_sick_day, 'YYYY-MM-DD') as first_sick_day, count(*) over () as n
       from plan_employment p
       join stg_rec r using (rec)
       join employments m on m.id = p.employment_id
       join absence_cases c on c.employment_id = m.id and c.status = 'open'
      where p.dates_changed and (c.first_sick_day < m.start_date or c.first_sick_day > m.end_date)
      order by p.rec, p.external_id limit ?`,
    [noticeLimit],
  );
  const notices: Notice[] = found.map((f) => ({
    position: f.position,
    field: f.first_sick_day < f.start_date ? 'employment.startDate' : 'employment.endDate',
    message:
      `employment ${f.external_id} now runs from ${f.start_date}${f.end_date ? ` to ${f.end_date}` : ''}, ` +
      `so its open absence case from ${f.first_sick_day} lies outside it: check the case (end it, or have ` +
      `the dates corrected at the source)`,
  }));
  return countedNotices(
    notices,
    Number(found[0]?.n ?? 0),
    'employment',
    'employments whose open absence case now lies outside them',
  );
}
