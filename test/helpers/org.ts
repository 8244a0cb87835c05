import { randomBytes } from 'node:crypto';
import type { Store } from '../../src/store/db.js';

function unique(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** Inserts a department (optionally under a parent) and returns its id. */
export async function addDepartment(store: Store, employerId: string, parentId?: string): Promise<string> {
  const [{ id }] = (await store
    .db('departments')
    .insert({ employer_id: employerId, code: unique('D'), name: 'Afdeling', parent_id: parentId ?? null })
    .returning('id')) as [{ id: string }];
  return id;
}

/** Inserts an employee with one employment (one version from 2020 in the department); returns both ids. */
export async function addEmployee(
  store: Store,
  employerId: string,
  departmentId: string | null,
): Promise<{ employeeId: string; employmentId: string }> {
  const [{ id: employeeId }] = (await store
    .db('employees')
    .insert({ employer_id: employerId, personnel_number: unique('P'), last_name: 'Jansen' })
    .returning('id')) as [{ id: string }];
  const [{ id: employmentId }] = (await store
    .db('employments')
    .insert({
      employer_id: employerId,
      employee_id: employeeId,
      external_id: unique('E'),
      start_date: '2020-01-01',
    })
    .returning('id')) as [{ id: string }];
  await store.db('employment_versions').insert({
    employment_id: employmentId,
    valid_from: '2020-01-01',
    department_id: departmentId,
    hours_per_week: 36,
  });
  return { employeeId, employmentId };
}
