import { exec, positionList, type Trx } from './sql.js';
import type { RunRejects } from './rejects.js';
import { rejectIdentifierClashes } from './identifiers.js';
import { rejectKeysThatAreDeliveredBsns } from './bsn-keys.js';
import { rejectUnrevertableRehires } from './rekey.js';

export interface KeyOf {
  employerId: string;
  /** The stored column the link keys employees on, and how the delivery calls it. */
  column: 'personnel_number' | 'remote_id';
  label: string;
}

/**
 * Rejects records that deliver a stored employment under another employee than the one it is
 * stored for (a renumbered person, or an id reused by the source): an employment never moves to
 * another person, and keeping it where it is while the record's person is created without it
 * would misstate both. Both employees are held: the stored one is not ended for being absent.
 */
async function rejectMovedEmployments(trx: Trx, key: KeyOf): Promise<void> {
  await exec(
    trx,
    `create temp table stg_moved on commit drop as
     select e.rec, e.external_id, r.emp_key, o.${key.column} as owner_key
       from stg_emp e
       join stg_rec r using (rec)
       join employments m on m.employer_id = ? and m.external_id = e.external_id
       join employees o on o.id = m.employee_id
      where m.employee_id <> r.employee_id`,
    [key.employerId],
  );
  await exec(
    trx,
    `insert into stg_reject (rec, field, reason)
     select rec, 'externalId',
            'employment ' || external_id || ' is stored for ' || ? || ' ' || coalesce(owner_key, '(none)') ||
            ', not for ' || emp_key || ': an employment never moves to another person, so this record is left out ' ||
            'and the stored employee kept as is. Deliver the person under the ' || ? ||
            ' they have, or give the employment a new id'
       from stg_moved`,
    [key.label, key.label],
  );
  await exec(
    trx,
    `insert into stg_held (emp_key) select owner_key from stg_moved where owner_key is not null`,
  );
}

/**
 * Rejects records whose keys clash inside one delivery: the same employment twice, or the same person
 * twice with different person data (or twice without employments), records that move a stored
 * employment to another person, records that give a running contract's id back to an earlier one
 * (`rejectUnrevertableRehires`), and records whose other identifier clashes (`rejectIdentifierClashes`). All records involved are left out, since neither can be trusted; the
 * rest of the delivery continues. Then builds the de-duplicated working tables `stg_person` (one row
 * per employee) and `stg_employment`.
 */
export async function rejectDuplicates(
  trx: Trx,
  key: KeyOf,
  rejects: RunRejects,
  date: string,
): Promise<void> {
  const keyLabel = key.label;
  await rejectMovedEmployments(trx, key);
  await rejectUnrevertableRehires(trx, key.employerId, date);
  // Positions are gathered only for keys that occur more than once: in a large delivery almost none
  // do. A record left out for its own problems that gives the same employment counts too: which of
  // the two is right is not known either.
  await exec(
    trx,
    `insert into stg_reject (rec, field, reason)
     select e.rec, 'externalId',
            'employment ' || e.external_id || ' appears more than once in this delivery (at ' || d.positions ||
            '); all these records are left out'
       from stg_emp e
       join (select external_id, ${positionList} as positions
               from (select distinct s.external_id, s.rec, r.position
                       from stg_emp s join stg_rec r using (rec)
                      where s.external_id in (select external_id from stg_emp group by external_id having count(*) > 1
                                              union select external_id from stg_held_emp)
                     union
                     select external_id, rec, position from stg_held_emp) p
              group by external_id) d using (external_id)`,
  );
  await exec(
    trx,
    `insert into stg_reject (rec, field, reason)
     select r.rec, ?,
            ? || ' ' || r.emp_key || ' appears more than once in this delivery (at ' || d.positions || ')' ||
            case when d.people > 1 then ' with different person data' else '' end || '; all these records are left out'
       from stg_rec r
       join (select emp_key, ${positionList} as positions,
                    count(distinct (personnel_number, remote_id, initials, first_name, name_prefix, last_name,
                                    gender, birth_date, fingerprint)) as people,
                    bool_or(n_employments = 0) as bare
               from stg_rec
              where emp_key in (select emp_key from stg_rec group by emp_key having count(*) > 1)
              group by emp_key) d using (emp_key)
      where (d.people > 1 or d.bare)
        and not exists (select 1 from stg_reject x where x.rec = r.rec)`,
    [keyLabel, keyLabel],
  );
  await rejectIdentifierClashes(trx, key);
  await rejectKeysThatAreDeliveredBsns(trx);
  await rejects.addQuery(
    `select r.position, x.field, x.reason from stg_reject x join stg_rec r using (rec) order by x.rec, x.field, x.reason`,
  );
  await exec(
    trx,
    `insert into stg_held (emp_key) select emp_key from stg_rec where rec in (select rec from stg_reject)`,
  );
  await exec(trx, `delete from stg_emp where rec in (select rec from stg_reject)`);
  await exec(trx, `delete from stg_rec where rec in (select rec from stg_reject)`);
  // Nor does a left-out record name, rename or place a department.
  await exec(trx, `delete from stg_dep_given where rec in (select rec from stg_reject)`);
  await exec(
    trx,
    `create temp table stg_person on commit drop as
     select distinct on (emp_key) * from stg_rec order by emp_key, rec`,
  );
  await exec(trx, `create unique index on stg_person (employee_id)`);
  await exec(
    trx,
    `create temp table stg_employment on commit drop as
     select e.*, p.employee_id from stg_emp e join stg_rec r using (rec) join stg_person p using (emp_key)`,
  );
  await exec(trx, `create unique index on stg_employment (external_id)`);
  await exec(trx, `analyze stg_person, stg_employment`);
}
