import type { StoreKind } from '../store/db.js';
import { countedNotices, noticeLimit, type Notice } from './notices.js';
import { bulkLoad, exec, rows, type Trx } from './sql.js';
import type { CandidateDepartment } from './types.js';

/**
 * The departments a delivery names, merged over its records in the run's transaction, so a delivery
 * that names a department per record (a mapping that reads the wrong column) costs no memory. Named
 * by several records, the first name and the first parent given hold, and one left out fills no
 * gap. When two records disagree (an export that read a department renamed halfway, or two parents
 * for one code) the operator is told once per department and field, with both places, so the
 * first-given choice is not silent.
 */
export async function createDepartmentStaging(trx: Trx): Promise<void> {
  // Every department as a record gives it, in delivery order (`rec`).
  await exec(
    trx,
    `create temp table stg_dep_given (rec int not null, position text not null, code text not null,
       name text, parent_code text) on commit drop`,
  );
  await exec(
    trx,
    `create temp table stg_dep (code text primary key, name text, parent_code text,
       explicit boolean not null) on commit drop`,
  );
}

const givenColumns = ['rec', 'position', 'code', 'name', 'parent_code'] as const;

/**
 * The rows a record adds to `stg_dep_given`, one per department it gives (the same one twice, as by
 * two employments in one department, once). Every record's rows are staged, also when they repeat
 * what earlier records gave: a record can still be left out after staging (a duplicate key, with
 * its twins), and what it gave must then come from the records that stay.
 */
export function addDepartmentRows(
  rec: number,
  position: string,
  departments: readonly CandidateDepartment[],
  into: unknown[][],
): void {
  departments.forEach((d, i) => {
    const same = (e: CandidateDepartment) =>
      e.code === d.code && e.name === d.name && e.parentCode === d.parentCode;
    if (departments.findIndex(same) === i) into.push([rec, position, d.code, d.name, d.parentCode]);
  });
}

export async function loadDepartmentRows(trx: Trx, kind: StoreKind, data: unknown[][]): Promise<void> {
  await bulkLoad(trx, kind, 'stg_dep_given', givenColumns, data);
}

/** Each name and parent a record gives a department, as (kind, code, value). */
const givenValues = `select 'name' as kind, code, name as value, position, rec from stg_dep_given where name is not null
  union all
  select 'parent', code, parent_code, position, rec from stg_dep_given where parent_code is not null`;

/**
 * Fills `stg_dep` from what the records gave: the delivered departments with their first name and
 * parent, and the departments only named by an employment or as a parent. Returns the notices of
 * records that disagree with the first name or parent given.
 */
export async function stageDepartments(trx: Trx): Promise<Notice[]> {
  await exec(
    trx,
    // The first record per department and kind by a hash aggregate (every record's rows are staged,
    // so a sort of them all would cost more), then its value.
    `create temp table stg_dep_first on commit drop as
       select distinct on (g.kind, g.code) g.kind, g.code, g.value, g.position
         from (${givenValues}) g
         join (select kind, code, min(rec) as rec from (${givenValues}) x group by kind, code) f
           using (kind, code, rec)
        order by g.kind, g.code`,
  );
  await exec(
    trx,
    `insert into stg_dep (code, name, parent_code, explicit)
     select c.code, n.value, p.value, true
       from (select distinct code from stg_dep_given) c
       left join stg_dep_first n on n.kind = 'name' and n.code = c.code
       left join stg_dep_first p on p.kind = 'parent' and p.code = c.code`,
  );
  // Departments only named by an employment or as a parent exist too; a new one without a name is
  // named by its code, a stored one keeps its name.
  await exec(
    trx,
    `insert into stg_dep (code, name, parent_code, explicit)
     select distinct c, null::text, null::text, false from (
       select department_code as c from stg_emp where department_code is not null
       union select parent_code from stg_dep where parent_code is not null) x
     on conflict (code) do nothing`,
  );
  const found = await rows<{
    kind: 'name' | 'parent';
    code: string;
    value: string;
    position: string;
    kept: string;
    kept_at: string;
    n: number | string;
  }>(
    trx,
    `with disagreeing as (
       select distinct on (g.kind, g.code) g.kind, g.code, g.value, g.position, g.rec,
              f.value as kept, f.position as kept_at
         from (${givenValues}) g join stg_dep_first f on f.kind = g.kind and f.code = g.code
        where g.value <> f.value
        order by g.kind, g.code, g.rec)
     select kind, code, value, position, kept, kept_at, count(*) over () as n
       from disagreeing order by rec, kind limit ?`,
    [noticeLimit],
  );
  const notices = found.map((f) => ({
    position: f.position,
    field: f.kind === 'name' ? 'department.name' : 'department.parentCode',
    message:
      f.kind === 'name'
        ? `department "${f.code}" is named "${f.value}" here but "${f.kept}" at ${f.kept_at}; the first name given ("${f.kept}") is kept`
        : `department "${f.code}" has parent "${f.value}" here but "${f.kept}" at ${f.kept_at}; the first parent given ("${f.kept}") is kept`,
  }));
  return countedNotices(
    notices,
    Number(found[0]?.n ?? 0),
    'department',
    'departments named or placed differently by different records',
  );
}

/**
 * In a mutation delivery a department given without a parent keeps the parent it has: only what the
 * delivery says changes (SIVI organisation units never give one). A complete delivery describes the
 * whole tree, so there no parent means a department at the top.
 */
export async function keepStoredParents(trx: Trx, employerId: string): Promise<void> {
  await exec(
    trx,
    `update stg_dep s set parent_code = p.code
       from departments d join departments p on p.id = d.parent_id
      where d.employer_id = ? and d.code = s.code and s.explicit and s.parent_code is null`,
    [employerId],
  );
}
