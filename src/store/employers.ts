import type { Db } from './db.js';
import { mapStoreError } from './errors.js';
import { employerSchema, type Employer, type EmployerInput, type LinkMode } from '../domain/employer.js';

interface EmployerRow {
  id: string;
  code: string;
  name: string;
  kvk_number: string | null;
  payroll_tax_number: string | null;
  arbo_employer_id: string | null;
  arbo_contract_number: string | null;
  link_mode: LinkMode;
}

function toEmployer(row: EmployerRow): Employer {
  return {
    id: row.id,
    code: row.code,
    name: row.name,
    kvkNumber: row.kvk_number ?? undefined,
    payrollTaxNumber: row.payroll_tax_number ?? undefined,
    arboEmployerId: row.arbo_employer_id ?? undefined,
    arboContractNumber: row.arbo_contract_number ?? undefined,
    linkMode: row.link_mode,
  };
}

/** Inserts or updates an employer by its code; returns the stored employer. */
export async function upsertEmployer(db: Db, input: EmployerInput): Promise<Employer> {
  const e = employerSchema.parse(input);
  const row = {
    code: e.code,
    name: e.name,
    kvk_number: e.kvkNumber ?? null,
    payroll_tax_number: e.payrollTaxNumber ?? null,
    arbo_employer_id: e.arboEmployerId ?? null,
    arbo_contract_number: e.arboContractNumber ?? null,
    link_mode: e.linkMode,
  };
  try {
    const [stored] = await db('employers')
      .insert(row)
      .onConflict('code')
      .merge({ ...row, updated_at: db.fn.now() })
      .returning('*');
    return toEmployer(stored as EmployerRow);
  } catch (err) {
    mapStoreError(err, 'employer');
  }
}

export async function findEmployerByCode(db: Db, code: string): Promise<Employer | undefined> {
  const row = (await db('employers').where({ code }).first()) as EmployerRow | undefined;
  return row && toEmployer(row);
}

export async function findEmployerById(db: Db, id: string): Promise<Employer | undefined> {
  const row = (await db('employers').where({ id }).first()) as EmployerRow | undefined;
  return row && toEmployer(row);
}

export async function listEmployers(db: Db): Promise<Employer[]> {
  const rows = (await db('employers').orderBy('code')) as EmployerRow[];
  return rows.map(toEmployer);
}
