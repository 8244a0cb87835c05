import { todayIn } from '../domain/dates.js';
import type { Db } from '../store/db.js';

export interface ExportedVersion {
  validFrom: string;
  validTo: string | null;
  departmentCode: string | null;
  hoursPerWeek: number | null;
  functionCode: string | null;
}

export interface ExportedEmployment {
  externalId: string;
  startDate: string;
  endDate: string | null;
  departmentCode: string | null;
  functionCode: string | null;
  functionName: string | null;
  contractType: string | null;
  hoursPerWeek: number | null;
  versions: ExportedVersion[];
}

export interface ExportedEmployee {
  personnelNumber: string;
  initials: string | null;
  firstName: string | null;
  prefix: string | null;
  lastName: string;
  gender: string | null;
  birthDate: string | null;
  inService: boolean;
  employments: ExportedEmployment[];
}

interface VersionRow {
  employee_id: string;
  employment_id: string;
  external_id: string;
  start_date: string;
  end_date: string | null;
  valid_from: string | null;
  valid_to: string | null;
  department_code: string | null;
  function_code: string | null;
  function_name: string | null;
  contract_type: string | null;
  hours_per_week: number | null;
}

/**
 * The employees of an employer with their employments and version history, in pages (keyset on the
 * personnel number) so memory stays flat for large employers. Vault fields are never part of it.
 * An employment's own terms are those of the version in force on `today` (Europe/Amsterdam): the
 * last that starts on or before it, or the first when all start later.
 */
export async function* exportEmployees(
  db: Db,
  employerId: string,
  { pageSize = 1000, today = todayIn() }: { pageSize?: number; today?: string } = {},
): AsyncGenerator<ExportedEmployee> {
  let after = '';
  for (;;) {
    const people = (await db('employees')
      .where({ employer_id: employerId })
      .andWhere('personnel_number', '>', after)
      .orderBy('personnel_number')
      .limit(pageSize)
      .select(
        'id',
        'personnel_number',
        'initials',
        'first_name',
        'name_prefix',
        'last_name',
        'gender',
        'birth_date',
        'in_service',
      )) as Array<{
      id: string;
      personnel_number: string;
      initials: string | null;
      first_name: string | null;
      name_prefix: string | null;
      last_name: string;
      gender: string | null;
      birth_date: string | null;
      in_service: boolean;
    }>;
    if (people.length === 0) return;
    const versions = (
      await db.raw(
        `select m.employee_id, m.id as employment_id, m.external_id, m.start_date, m.end_date, v.valid_from, v.valid_to,
                d.code as department_code, v.function_code, v.function_name, v.contract_type, v.hours_per_week
           from employments m
           left join employment_versions v on v.employment_id = m.id
           left join departments d on d.id = v.department_id
          where m.employee_id in (select jsonb_array_elements_text(?::jsonb)::uuid)
          order by m.start_date, m.external_id, v.valid_from`,
        [JSON.stringify(people.map((p) => p.id))],
      )
    ).rows as VersionRow[];
    const byEmployee = new Map<string, Map<string, ExportedEmployment>>();
    for (const v of versions) {
      let employments = byEmployee.get(v.employee_id);
      if (!employments) byEmployee.set(v.employee_id, (employments = new Map()));
      let employment = employments.get(v.employment_id);
      if (!employment) {
        employment = {
          externalId: v.external_id,
          startDate: v.start_date,
          endDate: v.end_date,
          departmentCode: null,
          functionCode: null,
          functionName: null,
          contractType: null,
          hoursPerWeek: null,
          versions: [],
        };
        employments.set(v.employment_id, employment);
      }
      if (v.valid_from === null) continue;
      employment.versions.push({
        validFrom: v.valid_from,
        validTo: v.valid_to,
        departmentCode: v.department_code,
        hoursPerWeek: v.hours_per_week,
        functionCode: v.function_code,
      });
      // Versions come in date order: a later one that has begun by today replaces the terms.
      if (employment.versions.length > 1 && v.valid_from > today) continue;
      Object.assign(employment, {
        departmentCode: v.department_code,
        functionCode: v.function_code,
        functionName: v.function_name,
        contractType: v.contract_type,
        hoursPerWeek: v.hours_per_week,
      });
    }
    for (const p of people) {
      yield {
        personnelNumber: p.personnel_number,
        initials: p.initials,
        firstName: p.first_name,
        prefix: p.name_prefix,
        lastName: p.last_name,
        gender: p.gender,
        birthDate: p.birth_date,
        inService: p.in_service,
        employments: [...(byEmployee.get(p.id)?.values() ?? [])],
      };
    }
    after = people[people.length - 1]!.personnel_number;
  }
}

/**
 * Every employee of the employer as `exportEmployees` gives them, from one snapshot of the store: a
 * sync that commits while a large export is being read (a personnel number changed, an employee
 * added) neither shows an employee twice nor leaves one out.
 */
export async function exportSnapshot(
  db: Db,
  employerId: string,
  each: (employee: ExportedEmployee) => Promise<void>,
  options: { pageSize?: number; today?: string } = {},
): Promise<void> {
  await db.transaction(async (trx) => {
    await trx.raw('set transaction isolation level repeatable read, read only');
    for await (const e of exportEmployees(trx, employerId, options)) await each(e);
  });
}
