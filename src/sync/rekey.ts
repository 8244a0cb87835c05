import { countedNotices, noticeLimit, type Notice } from './notices.js';
import { exec, rows, type Trx } from './sql.js';
import { withdrawEmployments } from './missing.js';

/**
 * Steps that give stored employments the id the delivery knows them by, before planning, so that
 * planning compares like with like: an employment the source renumbered, one whose derived id
 * changed with a corrected start date, and an ended one whose id the source gave to a re-hire.
 */

/** The id a mapping gives an employment the source names no id for: personnel number + start date. */
const derivedId = (person: string, employment: string) =>
  `${person}.personnel_number || '-' || to_char(${employment}.start_date, 'YYYY-MM-DD')`;

/**
 * A corrected start date of an employment without an id of its own (the mapping made its id from
 * the personnel number and the start date) arrives under a new id. In a complete delivery, where a
 * person's record holds all their employments, a new such employment that replaces exactly one such
 * employment of the same person, still open on the delivery date, is that employment: it takes the
 * new id, and planning then sees a corrected start date instead of an ended employment plus a new
 * one overlapping it. A re-hire or a follow-up contract is not mistaken for it: it starts after
 * the stored one's end date (which may still lie ahead). Nor is a new contract for one that ended without the source saying so: history the stored one
 * has before the new start (a change of terms, an absence case) would fall outside the employment.
 */
export async function rekeyCorrectedStarts(trx: Trx, employerId: string, date: string): Promise<void> {
  await exec(
    trx,
    `with fresh as (
       select s.employee_id, s.external_id, s.start_date
         from stg_employment s
         join stg_person p on p.employee_id = s.employee_id
         left join employments m on m.employer_id = ? and m.external_id = s.external_id
        where m.id is null and s.external_id = ${derivedId('p', 's')}
     ), gone as (
       select m.id, m.employee_id, m.start_date, m.end_date
         from employments m
         join employees e on e.id = m.employee_id
        where m.employer_id = ? and m.employee_id in (select employee_id from fresh)
          and (m.end_date is null or m.end_date >= ?::date) and m.external_id = ${derivedId('e', 'm')}
          and not exists (select 1 from stg_employment s where s.external_id = m.external_id)
     )
     update employments m set external_id = f.external_id, updated_at = now()
       from fresh f join gone g using (employee_id)
      where m.id = g.id
        -- A start after the stored end is a contract that follows it, even while that one still runs.
        and (g.end_date is null or f.start_date <= g.end_date)
        and f.employee_id in (select employee_id from fresh group by employee_id having count(*) = 1)
        and g.employee_id in (select employee_id from gone group by employee_id having count(*) = 1)
        -- History recorded before the new start (a change of terms, an absence) shows the stored
        -- employment ran then: it is a contract that ended, not a start date corrected.
        and not exists (select 1 from employment_versions v
                         where v.employment_id = g.id and v.valid_from > g.start_date and v.valid_from <= f.start_date)
        and not exists (select 1 from absence_cases a where a.employment_id = g.id and a.first_sick_day < f.start_date)
        and not exists (select 1 from pregnancy_cases c where c.employment_id = g.id and c.leave_start < f.start_date)`,
    [employerId, employerId, date],
  );
}

/**
 * Employments the source renumbered (`previousExternalId`, SIVI `IdDnstvbndOud`) take their new id,
 * so planning sees the stored employment, with its history, instead of a new one while the old one
 * ends. Only an employment of the same person, when no employment has the new id yet and the old
 * id is not delivered itself. Returns how many took a new id.
 */
export async function rekeyRenumbered(trx: Trx, employerId: string): Promise<number> {
  return exec(
    trx,
    `update employments m set external_id = s.external_id, updated_at = now()
       from stg_employment s
      where m.employer_id = ? and s.previous_id is not null and m.external_id = s.previous_id
        and m.employee_id = s.employee_id
        and not exists (select 1 from employments n where n.employer_id = ? and n.external_id = s.external_id)
        and not exists (select 1 from stg_employment o where o.external_id = s.previous_id)`,
    [employerId, employerId],
  );
}

/**
 * A re-hire under the id of an earlier employment of the same person (a source that reuses its
 * employment ids): the stored employment ended before the delivered start date. Planning would
 * take it for corrected dates and move its start and end to the new period, losing the earlier one
 * (and the absence cases in it would fall outside any employment). Instead the stored employment
 * keeps its dates and history under its id with its start date added (`DV-12/2015-03-01`), and the
 * delivered one is a new employment, and an audit event records the change of id. Returns the
 * employments renamed and a notice per re-hire.
 */
export async function rekeyRehired(
  trx: Trx,
  employerId: string,
  runId: string,
): Promise<{ written: number; notices: Notice[] }> {
  const found = await rows<{
    position: string;
    external_id: string;
    kept_as: string;
    start_date: string;
    ended: string;
    n: string;
  }>(
    trx,
    `with renamed as (
       update employments m set external_id = m.external_id || '/' || to_char(m.start_date, 'YYYY-MM-DD'),
              updated_at = now()
         from stg_employment s
        where m.employer_id = ? and m.external_id = s.external_id and m.employee_id = s.employee_id
          and m.end_date is not null and s.start_date > m.end_date
          and not exists (select 1 from employments n where n.employer_id = m.employer_id
                            and n.external_id = m.external_id || '/' || to_char(m.start_date, 'YYYY-MM-DD'))
       returning m.id, s.rec, s.external_id, m.external_id as kept_as, s.start_date, m.end_date),
     audited as (
       insert into audit_events (actor_type, actor_id, employer_id, action, entity_type, entity_id, details)
       select 'sync', ?, ?, 'employment.id_kept_for_rehire', 'employment', x.id::text,
              jsonb_build_object('runId', ?::text, 'externalId', x.external_id, 'keptAs', x.kept_as)
         from renamed x)
     select r.position, x.external_id, x.kept_as, to_char(x.start_date, 'YYYY-MM-DD') as start_date,
            to_char(x.end_date, 'YYYY-MM-DD') as ended, count(*) over () as n
       from renamed x join stg_rec r using (rec)
      order by x.rec, x.external_id limit ?`,
    [employerId, runId, employerId, runId, noticeLimit],
  );
  const total = Number(found[0]?.n ?? 0);
  const notices = found.map((f) => ({
    position: f.position,
    field: 'employment.externalId',
    message:
      `employment ${f.external_id} ended on ${f.ended} and is delivered again from ${f.start_date}: a re-hire ` +
      `under the same id. It is a new employment; the earlier one keeps its history as ${f.kept_as}`,
  }));
  return {
    // Each renamed employment and its audit event.
    written: 2 * total,
    notices: countedNotices(
      notices,
      total,
      'employment.externalId',
      're-hires under the id of an earlier employment',
    ),
  };
}

/**
 * The id given back to the earlier contract (see `rekeyRevertedRehires`) while the follow-up that
 * holds it has started, or has an absence or pregnancy case: the follow-up is a contract that ran,
 * and planning would move its dates and terms to the earlier contract's, losing it. The record is
 * left out with the reason, and both contracts stay as stored.
 */
export async function rejectUnrevertableRehires(trx: Trx, employerId: string, date: string): Promise<void> {
  await exec(
    trx,
    `insert into stg_reject (rec, field, reason)
     select s.rec, 'externalId',
            'employment ' || s.external_id || ' is delivered from ' || to_char(s.start_date, 'YYYY-MM-DD') ||
            ', the start of the earlier contract kept as ' || k.external_id || ', while the contract that has this id ' ||
            case when m.start_date <= ?::date then 'started on ' || to_char(m.start_date, 'YYYY-MM-DD')
                 else 'has an absence or pregnancy case' end ||
            ': this record is left out and both contracts kept. Deliver that contract under its id, or the earlier one under ' ||
            k.external_id
       from stg_emp s
       join stg_rec r using (rec)
       join employments k on k.employer_id = ? and k.employee_id = r.employee_id
                         and k.external_id = s.external_id || '/' || to_char(s.start_date, 'YYYY-MM-DD')
       join employments m on m.employer_id = ? and m.employee_id = r.employee_id and m.external_id = s.external_id
      where m.start_date > s.start_date
        and (m.start_date <= ?::date
             or exists (select 1 from absence_cases a where a.employment_id = m.id)
             or exists (select 1 from pregnancy_cases c where c.employment_id = m.id)
             or exists (select 1 from case_events e where e.employment_id = m.id))`,
    [date, employerId, employerId, date],
  );
}

/**
 * The source gives an employment's id back to the earlier contract (`DV-12` from 2015 again) after
 * it had given it to a follow-up contract, which was then kept apart (`DV-12/2015-03-01`, see
 * `rekeyRehired`): the follow-up was called off. When it has not started by the delivery date and
 * has no case, it is withdrawn (as a contract not started that a complete delivery no longer has)
 * and the earlier contract takes its id back, with its history; audit events record both.
 * Otherwise the record was left out (`rejectUnrevertableRehires`). Returns the rows written and a notice per contract restored.
 */
export async function rekeyRevertedRehires(
  trx: Trx,
  employerId: string,
  runId: string,
  date: string,
): Promise<{ written: number; notices: Notice[] }> {
  const pairs = await rows<{
    follow_up: string;
    kept: string;
    external_id: string;
    kept_as: string;
    position: string;
    follow_start: string;
  }>(
    trx,
    `select m.id as follow_up, k.id as kept, s.external_id, k.external_id as kept_as, r.position,
            to_char(m.start_date, 'YYYY-MM-DD') as follow_start
       from stg_employment s
       join stg_rec r using (rec)
       join employments k on k.employer_id = ? and k.employee_id = s.employee_id
                         and k.external_id = s.external_id || '/' || to_char(s.start_date, 'YYYY-MM-DD')
       join employments m on m.employer_id = ? and m.employee_id = s.employee_id and m.external_id = s.external_id
      where m.start_date > s.start_date and m.start_date > ?::date
        and not exists (select 1 from absence_cases a where a.employment_id = m.id)
        and not exists (select 1 from pregnancy_cases c where c.employment_id = m.id)
        and not exists (select 1 from case_events e where e.employment_id = m.id)
      order by s.rec, s.external_id`,
    [employerId, employerId, date],
  );
  if (pairs.length === 0) return { written: 0, notices: [] };
  let written = await withdrawEmployments(
    trx,
    employerId,
    runId,
    'the source gives its id back to the earlier contract',
    'select jsonb_array_elements_text(?::jsonb)::uuid',
    [JSON.stringify(pairs.map((p) => p.follow_up))],
  );
  const restored = JSON.stringify(
    pairs.map((p) => ({ id: p.kept, kept_as: p.kept_as, external_id: p.external_id })),
  );
  written += await exec(
    trx,
    `update employments m set external_id = x.external_id, updated_at = now()
       from jsonb_to_recordset(?::jsonb) as x(id uuid, kept_as text, external_id text) where m.id = x.id`,
    [restored],
  );
  written += await exec(
    trx,
    `insert into audit_events (actor_type, actor_id, employer_id, action, entity_type, entity_id, details)
     select 'sync', ?, ?, 'employment.id_restored', 'employment', x.id::text,
            jsonb_build_object('runId', ?::text, 'keptAs', x.kept_as, 'externalId', x.external_id)
       from jsonb_to_recordset(?::jsonb) as x(id uuid, kept_as text, external_id text)`,
    [runId, employerId, runId, restored],
  );
  const notices = pairs.slice(0, noticeLimit).map((p) => ({
    position: p.position,
    field: 'employment.externalId',
    message:
      `employment ${p.external_id} is delivered as the earlier contract again: the follow-up from ${p.follow_start}, ` +
      `not started, was withdrawn, and ${p.kept_as} is ${p.external_id} again`,
  }));
  return {
    written,
    notices: countedNotices(
      notices,
      pairs.length,
      'employment.externalId',
      'earlier contracts given their id back',
    ),
  };
}
