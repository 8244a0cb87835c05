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

/** How many department codes `DepartmentRows` remembers: a few MB at most. */
const remembered = 10_000;

/**
 * Records that repeat what earlier records gave of a department are staged this often: a record
 * can still be left out after staging (a duplicate key, and then its twin as well), and what it gave
 * must then come from a record that stays.
 */
const repeatsStaged = 3;

/**
 * The rows records add to `stg_dep_given`. Most records repeat what an earlier one gave of their
 * department: past the first `repeatsStaged`, such a row says nothing new (no first name or parent,
 * no disagreement) and is left out, for the codes remembered; past `remembered` codes every row is
 * staged.
 */
export class DepartmentRows {
  private readonly first = new Map<
    string,
    { name: string | undefined; parent: string | undefined; staged: number }
  >();

  add(rec: number, position: string, departments: readonly CandidateDepartment[], into: unknown[][]): void {
    for (const d of departments) {
      const seen = this.first.get(d.code);
      if (seen) {
        const nameSaysNothing = d.name === undefined || d.name === seen.name;
        const parentSaysNothing = d.parentCode === undefined || d.parentCode === seen.parent;
        if (nameSaysNothing && parentSaysNothing && seen.staged >= repeatsStaged) continue;
        seen.staged += 1;
        // The first name or parent given, when earlier records left it out.
        seen.name ??= d.name;
        seen.parent ??= d.parentCode;
      } else if (this.first.size < remembered) {
        this.first.set(d.code, { name: d.name, parent: d.parentCode, staged: 1 });
      }
      into.push([rec, position, d.code, d.name, d.parentCode]);
    }
  }
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
    `create temp table stg_dep_first on commit drop as
       select distinct on (kind, code) kind, code, value, position from (${givenValues}) g
        order by kind, code, rec`,
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
