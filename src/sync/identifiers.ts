import { countedNotices, noticeLimit, type Notice } from './notices.js';
import { count, exec, positionList, rows, type Trx } from './sql.js';
import type { KeyOf } from './duplicates.js';

/**
 * A person's personnel number and source id each belong to one employee of an employer. The link
 * keys employees on one of them; the other (`other`) can clash too: two people of a delivery with
 * the same one, or a delivered person with the one stored for another employee who keeps it.
 */
function otherOf(key: KeyOf): { column: 'personnel_number' | 'remote_id'; label: string; field: string } {
  return key.column === 'remote_id'
    ? { column: 'personnel_number', label: 'personnel number', field: 'personnelNumber' }
    : { column: 'remote_id', label: 'source id', field: 'remoteId' };
}

/** Records not rejected so far, with the value of the other identifier. */
const live = (column: string) => `live as (
  select r.rec, r.position, r.employee_id, r.emp_key, r.${column} as v from stg_rec r
   where r.${column} is not null and not exists (select 1 from stg_reject j where j.rec = r.rec))`;

/**
 * Stored employees `o` who keep the value `l.v` that a live record `l` gives another person: `o`
 * holds it and is not delivered with another one. Binds the employer id.
 */
const keptBy = (column: string) => `from live l
   left join employees e0 on e0.id = l.employee_id
   join employees o on o.employer_id = ? and o.${column} = l.v and o.id <> l.employee_id
  where e0.${column} is distinct from l.v
    and not exists (select 1 from live d where d.employee_id = o.id)`;

/**
 * On a link keyed on the source id, a personnel number the source gives to a new person can still
 * be stored for an employee who left (not in service, not in the delivery): sources reuse numbers.
 * That employee gives it up and keeps it as `<number>/<source id>`, so a number freed at the source
 * never blocks a new hire for good.
 */
const releasable = (key: KeyOf) =>
  key.column === 'remote_id'
    ? `not o.in_service and o.remote_id is not null and not exists (
         select 1 from employees x where x.employer_id = o.employer_id
            and x.personnel_number = o.personnel_number || '/' || o.remote_id)`
    : 'false';

/**
 * Rejects records whose other identifier clashes (see `otherOf`), with the reason, until none does:
 * a record left out keeps its employee's stored identifiers, which can clash in turn. Each pass is
 * a few hash joins over the staged records.
 */
export async function rejectIdentifierClashes(trx: Trx, key: KeyOf): Promise<void> {
  const other = otherOf(key);
  for (;;) {
    const rejected = await exec(
      trx,
      `with ${live(other.column)},
       twice as (
         select v, ${positionList} as positions from live
          -- One person is one key: a new person on several lines has an id per line until planned.
          group by v having count(distinct emp_key) > 1),
       owned as (
         select l.rec, o.${key.column} as owner_key ${keptBy(other.column)} and not (${releasable(key)}))
       insert into stg_reject (rec, field, reason)
       select l.rec, ?, ? || ' ' || l.v || ' is given to more than one person in this delivery (at ' ||
              t.positions || '); all these records are left out'
         from live l join twice t using (v)
       union all
       select o.rec, ?, ? || ' ' || l.v || ' is stored for the employee with ' || ? || ' ' ||
              coalesce(o.owner_key, '(none)') || ', who keeps it; it belongs to one person, so this record ' ||
              'is left out. Deliver that employee with their new ' || ? || ' first, or correct it at the source'
         from owned o join live l using (rec)
        where not exists (select 1 from live l2 join twice t2 using (v) where l2.rec = o.rec)`,
      [key.employerId, other.field, other.label, other.field, other.label, key.label, other.label],
    );
    if (rejected === 0) return;
  }
}

/**
 * Gives up the personnel numbers of employees who left (see `releasable`) to the delivered people
 * that now have them, with an audit event each; returns rows written and a notice per number.
 */
export async function releaseIdentifiers(
  trx: Trx,
  key: KeyOf,
  runId: string,
): Promise<{ written: number; notices: Notice[] }> {
  if (key.column !== 'remote_id') return { written: 0, notices: [] };
  await exec(
    trx,
    `create temp table released on commit drop as
     with ${live('personnel_number')}
     select distinct on (o.id) o.id, o.personnel_number, o.remote_id, l.rec, l.position,
            (select r.remote_id from stg_rec r where r.rec = l.rec) as taker
       ${keptBy('personnel_number')} and ${releasable(key)}
      order by o.id, l.rec`,
    [key.employerId],
  );
  const total = await count(trx, `select count(*) as n from released`);
  if (total === 0) return { written: 0, notices: [] };
  let written = await exec(
    trx,
    `update employees e set personnel_number = x.personnel_number || '/' || x.remote_id, updated_at = now()
       from released x where e.id = x.id`,
  );
  written += await exec(
    trx,
    `insert into audit_events (actor_type, actor_id, employer_id, action, entity_type, entity_id, details)
     select 'sync', ?, ?, 'employee.personnel_number_released', 'employee', x.id::text,
            jsonb_build_object('runId', ?::text, 'personnelNumber', x.personnel_number,
              'keptAs', x.personnel_number || '/' || x.remote_id, 'givenTo', x.taker)
       from released x`,
    [runId, key.employerId, runId],
  );
  const found = await rows<{ position: string; personnel_number: string; remote_id: string; taker: string }>(
    trx,
    `select position, personnel_number, remote_id, taker from released order by rec, personnel_number limit ?`,
    [noticeLimit],
  );
  const notices = found.map((f) => ({
    position: f.position,
    field: 'employee.personnelNumber',
    message:
      `personnel number ${f.personnel_number} is delivered for source id ${f.taker}; the employee with source id ` +
      `${f.remote_id}, no longer in service, had it and keeps it as ${f.personnel_number}/${f.remote_id}`,
  }));
  return {
    written,
    notices: countedNotices(
      notices,
      total,
      'employee.personnelNumber',
      'personnel numbers given up by employees no longer in service',
    ),
  };
}

/**
 * Identifiers that move between the delivery's people (two employees swapping personnel numbers)
 * would clash halfway through one update: the changing ones are parked first on values no delivery
 * can hold (a personnel number is at most 35 characters).
 */
export async function parkChangingIdentifiers(trx: Trx): Promise<void> {
  await exec(
    trx,
    `update employees e
        set personnel_number = case when p.personnel_number is distinct from e.personnel_number
                                    then '~' || e.id::text else e.personnel_number end,
            remote_id = case when p.remote_id is distinct from e.remote_id then null else e.remote_id end
       from plan_person p
      where e.id = p.employee_id and not p.created
        and ('personnelNumber' = any(p.changed_fields) or 'remoteId' = any(p.changed_fields))`,
  );
}
