import { count, exec, type Trx } from './sql.js';
import { parkChangingIdentifiers } from './identifiers.js';

const personColumns = [
  ['personnel_number', 'personnelNumber'],
  ['remote_id', 'remoteId'],
  ['initials', 'initials'],
  ['first_name', 'firstName'],
  ['name_prefix', 'namePrefix'],
  ['last_name', 'lastName'],
  ['gender', 'gender'],
  ['birth_date', 'birthDate'],
] as const;

/**
 * Plans the employees of the delivery: created, or which fields changed (`vault` when the vault
 * fingerprint differs, `reappeared` when the source had deleted the person). Set-based, one statement.
 */
export async function planEmployees(trx: Trx): Promise<{ created: number; changed: number }> {
  const diffs = personColumns
    .map(([col, name]) => `case when s.${col} is distinct from e.${col} then '${name}' end`)
    .join(',\n ');
  await exec(
    trx,
    `create temp table plan_person on commit drop as
     select s.*, e.id is null as created,
            case when e.id is null then '{}'::text[] else array_remove(array[
              ${diffs},
              case when s.fingerprint is distinct from v.fingerprint then 'vault' end,
              case when e.remote_deleted_at is not null then 'reappeared' end], null) end as changed_fields
       from stg_person s
       left join employees e on e.id = s.employee_id
       left join employee_vault v on v.employee_id = s.employee_id`,
  );
  const created = await count(trx, `select count(*) as n from plan_person where created`);
  const changed = await count(
    trx,
    `select count(*) as n from plan_person where cardinality(changed_fields) > 0`,
  );
  return { created, changed };
}

/**
 * Inserts new employees, updates changed ones and writes sealed vault records; returns rows written.
 * A new employee is in service when one of the employments it brings is not ended on `date`: its
 * employments are all new (a delivered employment already stored stays with its own employee).
 */
export async function applyEmployees(
  trx: Trx,
  employerId: string,
  sourceSystem: string,
  date: string,
): Promise<number> {
  const cols = personColumns.map(([c]) => c);
  await parkChangingIdentifiers(trx);
  let written = await exec(
    trx,
    `insert into employees (id, employer_id, source_system, changed_at, in_service, ${cols.join(', ')})
     select p.employee_id, ?, ?, p.changed_at, coalesce(c.current, false), ${cols.map((c) => `p.${c}`).join(', ')}
       from plan_person p
       left join (select s.employee_id, bool_or(s.end_date is null or s.end_date > ?::date) as current
                    from stg_employment s
                   where not exists (select 1 from employments m where m.employer_id = ? and m.external_id = s.external_id)
                   group by s.employee_id) c on c.employee_id = p.employee_id
      where p.created`,
    [employerId, sourceSystem, date, employerId],
  );
  written += await exec(
    trx,
    `update employees e set ${cols.map((c) => `${c} = p.${c}`).join(', ')}, changed_at = p.changed_at,
            remote_deleted_at = null, updated_at = now()
       from plan_person p
      where e.id = p.employee_id and not p.created
        and cardinality(array_remove(p.changed_fields, 'vault')) > 0`,
  );
  written += await exec(
    trx,
    `insert into employee_vault (employee_id, employer_id, ciphertext, bsn_index, fingerprint)
     select p.employee_id, ?, z.ciphertext, z.bsn_index, p.fingerprint
       from plan_person p join stg_sealed z using (rec)
      where p.created`,
    [employerId],
  );
  written += await exec(
    trx,
    `insert into employee_vault (employee_id, employer_id, ciphertext, bsn_index, fingerprint, updated_at)
     select p.employee_id, ?, z.ciphertext, z.bsn_index, p.fingerprint, now()
       from plan_person p join stg_sealed z using (rec)
      where not p.created and 'vault' = any(p.changed_fields)
     on conflict (employee_id) do update set ciphertext = excluded.ciphertext, bsn_index = excluded.bsn_index,
       fingerprint = excluded.fingerprint, updated_at = now()`,
    [employerId],
  );
  await exec(
    trx,
    `insert into touched (employee_id)
     select employee_id from plan_person where cardinality(changed_fields) > 0 and not created
     on conflict do nothing`,
  );
  return written;
}

/**
 * In-service flags as of `date`: new employees were inserted with theirs; touched ones follow their
 * employments; and an employee whose last employment ended since an earlier run (a fixed-term end
 * date delivered unchanged, night after night) is no longer in service. Returns rows written.
 */
export async function refreshInService(trx: Trx, employerId: string, date: string): Promise<number> {
  const touched = await exec(
    trx,
    `update employees e set in_service = c.cur, updated_at = now()
       from (select t.employee_id, coalesce(bool_or(m.id is not null and (m.end_date is null or m.end_date > ?::date)), false) as cur
               from touched t
               left join employments m on m.employee_id = t.employee_id
              group by t.employee_id) c
      where e.id = c.employee_id and e.in_service is distinct from c.cur`,
    [date],
  );
  const lapsed = await exec(
    trx,
    `update employees e set in_service = false, updated_at = now()
       from (select distinct employee_id from employments
              where employer_id = ? and end_date <= ?::date) x
      where e.id = x.employee_id and e.in_service
        and not exists (select 1 from employments m
                         where m.employee_id = e.id and (m.end_date is null or m.end_date > ?::date))`,
    [employerId, date, date],
  );
  return touched + lapsed;
}
