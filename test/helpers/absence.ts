import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';

let counter = 0;

/** Creates an employer with one department; returns their ids. */
export async function seedEmployer(db: Knex, code = `emp-${++counter}-${randomUUID().slice(0, 6)}`) {
  const [employer] = (await db('employers')
    .insert({ code, name: `Employer ${code}` })
    .returning('id')) as [{ id: string }];
  const [department] = (await db('departments')
    .insert({ employer_id: employer.id, code: 'D1', name: 'Department one' })
    .returning('id')) as [{ id: string }];
  return { employerId: employer.id, departmentId: department.id };
}

export interface SeedEmployeeOptions {
  employerId: string;
  departmentId?: string | null;
  lastName?: string;
  firstName?: string;
  birthDate?: string;
  startDate?: string;
  endDate?: string | null;
  hoursPerWeek?: number;
  contractType?: 'B' | 'O';
  inService?: boolean;
}

/** Adds an employment with one version (from its start) to an employee, directly in SQL; returns its id. */
export async function seedEmployment(
  db: Knex,
  employeeId: string,
  o: Omit<SeedEmployeeOptions, 'lastName' | 'firstName' | 'birthDate' | 'inService'> & { externalId: string },
): Promise<string> {
  const [employment] = (await db('employments')
    .insert({
      employer_id: o.employerId,
      employee_id: employeeId,
      external_id: o.externalId,
      start_date: o.startDate ?? '2020-01-01',
      end_date: o.endDate ?? null,
    })
    .returning('id')) as [{ id: string }];
  await db('employment_versions').insert({
    employment_id: employment.id,
    valid_from: o.startDate ?? '2020-01-01',
    valid_to: null,
    department_id: o.departmentId ?? null,
    contract_type: o.contractType ?? 'O',
    hours_per_week: o.hoursPerWeek ?? 40,
  });
  return employment.id;
}

/** Creates an employee with one employment and one employment version, directly in SQL. */
export async function seedEmployee(db: Knex, o: SeedEmployeeOptions) {
  const n = ++counter;
  const [employee] = (await db('employees')
    .insert({
      employer_id: o.employerId,
      personnel_number: `P${n}`,
      first_name: o.firstName ?? 'Anna',
      last_name: o.lastName ?? `Jansen${n}`,
      birth_date: o.birthDate ?? '1985-04-12',
      in_service: o.inService ?? true,
    })
    .returning('id')) as [{ id: string }];
  const employmentId = await seedEmployment(db, employee.id, { ...o, externalId: `E${n}` });
  return { employeeId: employee.id, employmentId, personnelNumber: `P${n}` };
}
