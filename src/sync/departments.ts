import { findDepartmentCycle } from '../domain/department.js';
import { count, exec, rows, type Trx } from './sql.js';

export interface DepartmentCounts {
  created: number;
  updated: number;
  archived: number;
  reactivated: number;
}

/** The department tree after the delivery would be applied; a cycle in it (`A > B > A`) or undefined. */
export async function findCycleAfterDelivery(trx: Trx, employerId: string): Promise<string[] | undefined> {
  const nodes = await rows<{ code: string; parent_code: string | null }>(
    trx,
    `select coalesce(s.code, d.code) as code,
            case when s.explicit then s.parent_code else p.code end as parent_code
       from (select * from departments where employer_id = ?) d
       left join departments p on p.id = d.parent_id
       full join stg_dep s on s.code = d.code`,
    [employerId],
  );
  return findDepartmentCycle(nodes.map((n) => ({ code: n.code, parentCode: n.parent_code })));
}

/** Creates, renames, re-parents and reactivates the delivered departments. */
export async function applyDepartments(
  trx: Trx,
  employerId: string,
): Promise<{ counts: Omit<DepartmentCounts, 'archived'>; written: number }> {
  const reactivated = await count(
    trx,
    `select count(*) as n from departments d join stg_dep s on s.code = d.code
      where d.employer_id = ? and d.archived_at is not null`,
    [employerId],
  );
  const inserted = await rows<{ id: string }>(
    trx,
    `insert into departments (employer_id, code, name)
     select ?, s.code, coalesce(s.name, s.code) from stg_dep s
      where not exists (select 1 from departments d where d.employer_id = ? and d.code = s.code)
     returning id`,
    [employerId, employerId],
  );
  const created = inserted.length;
  const renamed = await rows<{ id: string }>(
    trx,
    `update departments d set name = coalesce(s.name, d.name), archived_at = null, updated_at = now()
       from stg_dep s
      where d.employer_id = ? and d.code = s.code
        and ((s.name is not null and d.name is distinct from s.name) or d.archived_at is not null)
      returning d.id`,
    [employerId],
  );
  const reparented = await rows<{ id: string }>(
    trx,
    `update departments d set parent_id = x.parent_id, updated_at = now()
       from (select s.code, p.id as parent_id from stg_dep s
               left join departments p on p.employer_id = ? and p.code = s.parent_code
              where s.explicit) x
      where d.employer_id = ? and d.code = x.code and d.parent_id is distinct from x.parent_id
      returning d.id`,
    [employerId, employerId],
  );
  const above = await reactivateArchivedAncestors(trx, employerId);
  // A department created by this run gets its parent in the same run: that is not an update.
  const fresh = new Set(inserted.map((r) => r.id));
  const changed = new Set([...renamed, ...reparented].map((r) => r.id).filter((id) => !fresh.has(id)));
  return {
    counts: { created, updated: Math.max(0, changed.size - reactivated), reactivated: reactivated + above },
    written: created + renamed.length + reparented.length + above,
  };
}

/**
 * Reactivates the archived departments above the ones the delivery names (new, reactivated or
 * active already), as the tree stands after the delivery: a department that comes back under a
 * parent whose own parent was archived (`TEAM-A > SALES > HQ`, with only `TEAM-A > SALES`
 * delivered) brings the whole line above it back, so no active department hangs under an archived
 * one. Returns how many were reactivated.
 */
async function reactivateArchivedAncestors(trx: Trx, employerId: string): Promise<number> {
  return exec(
    trx,
    `with recursive above(id) as (
       select d.parent_id from departments d join stg_dep s on s.code = d.code
        where d.employer_id = ? and d.parent_id is not null
       union
       select d.parent_id from departments d join above a on a.id = d.id where d.parent_id is not null)
     update departments d set archived_at = null, updated_at = now()
      where d.employer_id = ? and d.archived_at is not null and d.id in (select id from above)`,
    [employerId, employerId],
  );
}

/**
 * Archives departments a complete delivery no longer names, when no current employment is in them
 * and no department that stays active hangs below them (one the delivery names, or one with a
 * current employment, such as that of an employee whose record was rejected and is held). An
 * employment is current up to and including its end date, as for the guard and a manager's scope:
 * a department whose last employee leaves today is archived by the next run, not today's.
 */
export async function archiveMissingDepartments(trx: Trx, employerId: string, date: string): Promise<number> {
  return exec(
    trx,
    `with recursive staying(id) as (
       select d.id from departments d
        where d.employer_id = ? and d.archived_at is null
          and (exists (select 1 from stg_dep s where s.code = d.code)
               or exists (
                 select 1 from employment_versions v join employments m on m.id = v.employment_id
                  where v.department_id = d.id and (m.end_date is null or m.end_date >= ?::date)
                    and (v.valid_to is null or v.valid_to >= ?::date)))
       union
       select d.parent_id from departments d join staying s on s.id = d.id where d.parent_id is not null)
     update departments d set archived_at = now(), updated_at = now()
      where d.employer_id = ? and d.archived_at is null and d.id not in (select id from staying)`,
    [employerId, date, date, employerId],
  );
}
