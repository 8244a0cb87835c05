import type { Knex } from 'knex';
import { z } from 'zod';
import { isoDateSchema } from '../domain/dates.js';

/** Filters of the employee search; all optional, combined with AND. Never a BSN. */
export const employeeSearchSchema = z
  .object({
    name: z
      .string()
      .trim()
      .min(1)
      .max(100)
      .optional()
      .describe('Part of the last name, prefix or first name.'),
    firstName: z.string().trim().min(1).max(35).optional(),
    personnelNumber: z.string().trim().min(1).max(35).optional(),
    birthDate: isoDateSchema.optional(),
    departmentId: z.uuid().optional(),
    includeFormer: z
      .enum(['true', 'false'])
      .default('false')
      .transform((v) => v === 'true'),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();
export type EmployeeSearch = z.infer<typeof employeeSearchSchema>;

export interface EmployeeHit {
  id: string;
  personnelNumber: string;
  initials: string | null;
  firstName: string | null;
  namePrefix: string | null;
  lastName: string;
  birthDate: string | null;
  inService: boolean;
  department: { id: string; code: string; name: string } | null;
  /** Open absence cases, so that a recovery can be reported on the right one. */
  openAbsenceCaseIds: string[];
  openPregnancyCaseIds: string[];
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => '\\' + c);

/**
 * Employees of one employer within the caller's scope (`inScope` is a subquery of employee ids).
 * In service means an employment covering today or starting later; former employees only on request.
 */
export async function searchEmployees(
  db: Knex,
  employerId: string,
  inScope: Knex.QueryBuilder,
  filter: EmployeeSearch,
  today: string,
): Promise<EmployeeHit[]> {
  // The employee's employments with their terms of today.
  const currentTerms = () =>
    db('employments as em')
      .join('employment_versions as v', 'v.employment_id', 'em.id')
      .whereRaw('em.employee_id = e.id')
      .where('v.valid_from', '<=', today)
      .where((q) => q.whereNull('v.valid_to').orWhere('v.valid_to', '>=', today))
      .where((q) => q.whereNull('em.end_date').orWhere('em.end_date', '>=', today));
  // The department shown: of the newest employment, or of one in the department searched for.
  const current = currentTerms()
    .select('v.department_id')
    .modify((q) => {
      if (filter.departmentId) q.orderByRaw('v.department_id = ? desc', [filter.departmentId]);
    })
    .orderBy('em.start_date', 'desc')
    .limit(1);
  const rows = (await db('employees as e')
    .where('e.employer_id', employerId)
    .whereIn('e.id', inScope)
    .modify((q) => {
      if (filter.name) {
        const like = `%${escapeLike(filter.name)}%`;
        q.where((w) =>
          w
            .whereILike('e.last_name', like)
            .orWhereILike('e.first_name', like)
            .orWhereRaw(`concat_ws(' ', e.name_prefix, e.last_name) ilike ?`, [like]),
        );
      }
      if (filter.firstName) q.whereILike('e.first_name', `${escapeLike(filter.firstName)}%`);
      if (filter.personnelNumber) q.where('e.personnel_number', filter.personnelNumber);
      if (filter.birthDate) q.where('e.birth_date', filter.birthDate);
      // Before the limit: an employee with any employment in the department today.
      if (filter.departmentId) q.whereExists(currentTerms().where('v.department_id', filter.departmentId));
      if (!filter.includeFormer) {
        q.whereExists(
          db('employments as em2')
            .whereRaw('em2.employee_id = e.id')
            .where((w) => w.whereNull('em2.end_date').orWhere('em2.end_date', '>=', today)),
        );
      }
    })
    .select('e.*', current.as('department_id'))
    .orderBy(['e.last_name', 'e.first_name', 'e.personnel_number'])
    .limit(filter.limit)) as Array<{
    id: string;
    personnel_number: string;
    initials: string | null;
    first_name: string | null;
    name_prefix: string | null;
    last_name: string;
    birth_date: string | null;
    in_service: boolean;
    department_id: string | null;
  }>;
  const ids = rows.map((r) => r.id);
  const deptIds = [...new Set(rows.map((r) => r.department_id).filter((d): d is string => d !== null))];
  const departments = new Map(
    (
      (await db('departments').whereIn('id', deptIds).select('id', 'code', 'name')) as Array<{
        id: string;
        code: string;
        name: string;
      }>
    ).map((d) => [d.id, d]),
  );
  const openCases = await openByEmployee(db, 'absence_cases', ids);
  const openPregnancies = await openByEmployee(db, 'pregnancy_cases', ids);
  return rows.map((r) => ({
    id: r.id,
    personnelNumber: r.personnel_number,
    initials: r.initials,
    firstName: r.first_name,
    namePrefix: r.name_prefix,
    lastName: r.last_name,
    birthDate: r.birth_date,
    inService: r.in_service,
    department: r.department_id ? (departments.get(r.department_id) ?? null) : null,
    openAbsenceCaseIds: openCases.filter((c) => c.employee_id === r.id).map((c) => c.id),
    openPregnancyCaseIds: openPregnancies.filter((c) => c.employee_id === r.id).map((c) => c.id),
  }));
}

export interface OrgNode {
  id: string;
  code: string;
  name: string;
  employees: Array<{ id: string; personnelNumber: string; name: string }>;
  departments: OrgNode[];
}

/**
 * The organisation tree: employer > departments > current employees, limited to the scope. A
 * department shows when it or a department below it holds an employee in scope.
 */
export async function organisationTree(
  db: Knex,
  employer: { id: string; code: string; name: string },
  inScope: Knex.QueryBuilder,
  today: string,
): Promise<{
  employer: { id: string; code: string; name: string };
  departments: OrgNode[];
  unassigned: OrgNode['employees'];
}> {
  const departments = (await db('departments')
    .where({ employer_id: employer.id })
    .whereNull('archived_at')
    .orderBy('code')
    .select('id', 'code', 'name', 'parent_id')) as Array<{
    id: string;
    code: string;
    name: string;
    parent_id: string | null;
  }>;
  const people = (await db('employees as e')
    .join('employments as em', 'em.employee_id', 'e.id')
    .join('employment_versions as v', 'v.employment_id', 'em.id')
    .where('e.employer_id', employer.id)
    .whereIn('e.id', inScope)
    .where('v.valid_from', '<=', today)
    .where((q) => q.whereNull('v.valid_to').orWhere('v.valid_to', '>=', today))
    .where((q) => q.whereNull('em.end_date').orWhere('em.end_date', '>=', today))
    .distinct('e.id', 'e.personnel_number', 'e.first_name', 'e.name_prefix', 'e.last_name', 'v.department_id')
    .orderBy('e.last_name')) as Array<{
    id: string;
    personnel_number: string;
    first_name: string | null;
    name_prefix: string | null;
    last_name: string;
    department_id: string | null;
  }>;
  const nodes = new Map<string, OrgNode>(
    departments.map((d) => [d.id, { id: d.id, code: d.code, name: d.name, employees: [], departments: [] }]),
  );
  const unassigned: OrgNode['employees'] = [];
  for (const p of people) {
    const person = {
      id: p.id,
      personnelNumber: p.personnel_number,
      name: [p.first_name, p.name_prefix, p.last_name].filter(Boolean).join(' '),
    };
    const node = p.department_id ? nodes.get(p.department_id) : undefined;
    if (node) node.employees.push(person);
    else unassigned.push(person);
  }
  const roots: OrgNode[] = [];
  for (const d of departments) {
    const node = nodes.get(d.id)!;
    const parent = d.parent_id ? nodes.get(d.parent_id) : undefined;
    (parent ? parent.departments : roots).push(node);
  }
  const prune = (list: OrgNode[]): OrgNode[] =>
    list
      .map((n) => ({ ...n, departments: prune(n.departments) }))
      .filter((n) => n.employees.length > 0 || n.departments.length > 0);
  return { employer, departments: prune(roots), unassigned };
}

/** Open cases of one kind for these employees (id and employee). */
async function openByEmployee(
  db: Knex,
  table: 'absence_cases' | 'pregnancy_cases',
  employeeIds: string[],
): Promise<Array<{ id: string; employee_id: string }>> {
  return (await db(table)
    .whereIn('employee_id', employeeIds)
    .where({ status: 'open' })
    .select('id', 'employee_id')) as Array<{
    id: string;
    employee_id: string;
  }>;
}
