import type { Knex } from 'knex';
import type { Db } from './db.js';
import type { Scope } from '../domain/scope.js';

/** A PostgreSQL uuid[] literal; ids are validated UUIDs before they get here. */
function uuidArray(ids: readonly string[]): string {
  return `{${ids.join(',')}}`;
}

// The departments of a unit scope with all their sub-departments as the tree stands now.
const subtreeSql = `
  with recursive tree(id) as (
    select d.id from departments d where d.employer_id = ? and d.id = any(?::uuid[])
    union
    select d.id from departments d join tree on d.parent_id = tree.id
  )`;

/**
 * Ids of the employees of one employer that a scope covers, as a subquery for `whereIn`. An
 * employee is in a department scope through an employment current on `today` (started, not ended)
 * whose version valid then is in it; an employee without a current employment (one who left,
 * perhaps while sick) through the department their last employment was in at its end. An employment
 * that ended no longer places someone who works elsewhere now, however it was ended (a sync ends it
 * by its end date alone, a hand edit closes its version too).
 */
export function employeeIdsInScope(
  db: Db,
  employerId: string,
  scope: Scope,
  today: string,
): Knex.QueryBuilder {
  if (scope.kind === 'employer') return db('employees').select('id').where({ employer_id: employerId });
  const sql = `${subtreeSql}
    select e.id from employees e where e.employer_id = ? and e.id = any(?::uuid[])
    union
    select em.employee_id from employments em
      join employment_versions v on v.employment_id = em.id
      where em.employer_id = ? and v.department_id in (select id from tree)
        and em.start_date <= ? and (em.end_date is null or em.end_date >= ?)
        and v.valid_from <= ? and (v.valid_to is null or v.valid_to >= ?)
    union
    select em.employee_id from employments em
      join employment_versions v on v.employment_id = em.id
      where em.employer_id = ? and v.department_id in (select id from tree)
        and em.end_date < ? and v.valid_from <= em.end_date and (v.valid_to is null or v.valid_to >= em.end_date)
        and em.end_date = (select max(l.end_date) from employments l where l.employee_id = em.employee_id)
        and not exists (select 1 from employments c where c.employee_id = em.employee_id
                          and c.start_date <= ? and (c.end_date is null or c.end_date >= ?))`;
  return db
    .select('id')
    .from(
      db.raw(`(${sql}) as in_scope`, [
        employerId,
        uuidArray(scope.departmentIds),
        employerId,
        uuidArray(scope.employeeIds),
        employerId,
        today,
        today,
        today,
        today,
        employerId,
        today,
        today,
        today,
      ]),
    );
}

/** True when the employee (of this employer) is within the scope on `today`. */
export async function employeeInScope(
  db: Db,
  employerId: string,
  scope: Scope,
  employeeId: string,
  today: string,
): Promise<boolean> {
  if (scope.kind === 'employer') return true;
  if (scope.employeeIds.includes(employeeId)) return true;
  if (scope.departmentIds.length === 0) return false;
  const row = await db
    .select(db.raw('1'))
    .from(employeeIdsInScope(db, employerId, scope, today).as('s'))
    .where('s.id', employeeId)
    .first();
  return row !== undefined;
}

/** True when the department (of this employer) is one of the scope's departments or below one. */
export async function departmentInScope(
  db: Db,
  employerId: string,
  scope: Scope,
  departmentId: string,
): Promise<boolean> {
  if (scope.kind === 'employer') return true;
  if (scope.departmentIds.length === 0) return false;
  const result = await db.raw(`${subtreeSql} select exists(select 1 from tree where id = ?) as found`, [
    employerId,
    uuidArray(scope.departmentIds),
    departmentId,
  ]);
  return (result.rows[0] as { found: boolean }).found;
}

/** Ids of the departments a scope covers (sub-departments included); undefined means all of them. */
export async function departmentIdsInScope(
  db: Db,
  employerId: string,
  scope: Scope,
): Promise<string[] | undefined> {
  if (scope.kind === 'employer') return undefined;
  const result = await db.raw(`${subtreeSql} select id from tree`, [
    employerId,
    uuidArray(scope.departmentIds),
  ]);
  return (result.rows as Array<{ id: string }>).map((r) => r.id);
}

/** The scope a membership holds: the whole employer, or the stored departments and employees. */
export function scopeOf(inherit: boolean, departmentIds: string[], employeeIds: string[]): Scope {
  return inherit ? { kind: 'employer' } : { kind: 'units', departmentIds, employeeIds };
}

/** Replaces the scope of a membership (inside the caller's transaction). */
export async function saveScope(trx: Db, membershipId: string, scope: Scope): Promise<void> {
  await trx('user_memberships')
    .where({ id: membershipId })
    .update({ inherit_scope: scope.kind === 'employer', updated_at: trx.fn.now() });
  await trx('user_scope_departments').where({ membership_id: membershipId }).delete();
  await trx('user_scope_employees').where({ membership_id: membershipId }).delete();
  if (scope.kind === 'employer') return;
  if (scope.departmentIds.length) {
    await trx('user_scope_departments').insert(
      scope.departmentIds.map((id) => ({ membership_id: membershipId, department_id: id })),
    );
  }
  if (scope.employeeIds.length) {
    await trx('user_scope_employees').insert(
      scope.employeeIds.map((id) => ({ membership_id: membershipId, employee_id: id })),
    );
  }
}
