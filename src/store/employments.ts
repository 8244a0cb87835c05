import type { Db } from './db.js';
import { inTransaction } from './db.js';
import { assertKeyNotBsn } from './employees.js';
import type { Vault } from '../vault/vault.js';
import { mapStoreError } from './errors.js';
import { AppError } from '../errors.js';
import { addDays } from '../domain/dates.js';

/** Terms of an employment version as edited by hand (department by id). */
export interface TermsInput {
  departmentId?: string | null | undefined;
  functionCode?: string | null | undefined;
  functionName?: string | null | undefined;
  contractType?: 'B' | 'O' | null | undefined;
  hoursPerWeek?: number | null | undefined;
  normalHoursPerWeek?: number | null | undefined;
  noRiskPolicy?: boolean | undefined;
}

const columns: Record<keyof TermsInput, string> = {
  departmentId: 'department_id',
  functionCode: 'function_code',
  functionName: 'function_name',
  contractType: 'contract_type',
  hoursPerWeek: 'hours_per_week',
  normalHoursPerWeek: 'normal_hours_per_week',
  noRiskPolicy: 'no_risk_policy',
};

function termColumns(terms: TermsInput): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(columns) as Array<[keyof TermsInput, string]>) {
    if (terms[key] !== undefined) out[column] = terms[key];
  }
  return out;
}

/**
 * Creates an employment with its first version (a re-hire is a new employment, never a reopened one).
 * Its id is never a BSN (`assertKeyNotBsn`): `ownBsn` is the employee's, when given in the same
 * request; `field` is how the request names the id.
 */
export async function createEmployment(
  db: Db,
  vault: Vault,
  employerId: string,
  employeeId: string,
  input: { externalId: string; startDate: string; endDate?: string | undefined; terms: TermsInput },
  check: { field: 'externalId' | 'employment.externalId'; ownBsn?: string | undefined } = {
    field: 'externalId',
  },
): Promise<string> {
  return inTransaction(db, async (trx) => {
    await assertKeyNotBsn(trx, vault, employerId, check.field, input.externalId, check.ownBsn);
    try {
      const [{ id }] = (await trx('employments')
        .insert({
          employer_id: employerId,
          employee_id: employeeId,
          external_id: input.externalId,
          start_date: input.startDate,
          end_date: input.endDate ?? null,
        })
        .returning('id')) as [{ id: string }];
      await trx('employment_versions').insert({
        employment_id: id,
        valid_from: input.startDate,
        valid_to: input.endDate ?? null,
        ...termColumns(input.terms),
      });
      return id;
    } catch (err) {
      mapStoreError(err, 'employment');
    }
  });
}

interface VersionRow {
  id: string;
  valid_from: string;
  valid_to: string | null;
  [column: string]: unknown;
}

/**
 * Edits an employment: a `correct` fixes the version valid on `from` (default: the latest) in
 * place, without history; a `change` starts a new version on `from`, keeping the old one until the
 * day before. `endDate` (or null to reopen) ends the employment and its last version.
 */
export async function editEmployment(
  db: Db,
  employmentId: string,
  input: {
    mode: 'correct' | 'change';
    from?: string | undefined;
    endDate?: string | null | undefined;
    terms: TermsInput;
  },
  /** Called in the transaction when the end date changed (null: the end was taken away). */
  onEndChanged?: (trx: Db, endDate: string | null) => Promise<void>,
): Promise<void> {
  await inTransaction(db, async (trx) => {
    const versions = (await trx('employment_versions')
      .where({ employment_id: employmentId })
      .orderBy('valid_from')) as VersionRow[];
    const from = input.from;
    const version = from
      ? versions.find((v) => v.valid_from <= from && (v.valid_to === null || v.valid_to >= from))
      : versions[versions.length - 1];
    if (!version) {
      throw new AppError(
        'validation_failed',
        `The employment has no version valid on ${from}; pick a date within it.`,
        [{ path: 'from', message: 'no version valid on this date' }],
      );
    }
    try {
      const values = termColumns(input.terms);
      if (input.mode === 'correct' || !from || from === version.valid_from) {
        if (Object.keys(values).length)
          await trx('employment_versions')
            .where({ id: version.id })
            .update({ ...values, updated_at: trx.fn.now() });
      } else {
        const {
          id: _id,
          valid_from: _f,
          valid_to: validTo,
          created_at: _c,
          updated_at: _u,
          ...kept
        } = version;
        await trx('employment_versions')
          .where({ id: version.id })
          .update({ valid_to: addDays(from, -1), updated_at: trx.fn.now() });
        await trx('employment_versions').insert({
          ...kept,
          ...values,
          employment_id: employmentId,
          valid_from: from,
          valid_to: validTo,
        });
      }
      if (input.endDate !== undefined) {
        const [before] = (await trx('employments')
          .where({ id: employmentId })
          .select('end_date')
          .forUpdate()) as [{ end_date: string | null }];
        await trx('employments')
          .where({ id: employmentId })
          .update({ end_date: input.endDate, updated_at: trx.fn.now() });
        if (before.end_date !== input.endDate) await onEndChanged?.(trx, input.endDate);
        const last = (await trx('employment_versions')
          .where({ employment_id: employmentId })
          .orderBy('valid_from', 'desc')
          .first('id')) as { id: string };
        await trx('employment_versions').where({ id: last.id }).update({ valid_to: input.endDate });
      }
    } catch (err) {
      mapStoreError(err, 'employment version');
    }
  });
}

/** Employments of an employee with their versions (history), oldest first. */
export async function listEmployments(db: Db, employeeId: string): Promise<Array<Record<string, unknown>>> {
  const employments = (await db('employments')
    .where({ employee_id: employeeId })
    .orderBy('start_date')) as Array<{
    id: string;
    external_id: string;
    start_date: string;
    end_date: string | null;
  }>;
  const result = [];
  for (const e of employments) {
    const versions = (await db('employment_versions')
      .where({ employment_id: e.id })
      .orderBy('valid_from')) as VersionRow[];
    result.push({
      id: e.id,
      externalId: e.external_id,
      startDate: e.start_date,
      endDate: e.end_date,
      versions: versions.map((v) => ({
        validFrom: v.valid_from,
        validTo: v.valid_to,
        departmentId: v.department_id ?? null,
        functionCode: v.function_code ?? null,
        functionName: v.function_name ?? null,
        contractType: v.contract_type ?? null,
        hoursPerWeek: v.hours_per_week ?? null,
        normalHoursPerWeek: v.normal_hours_per_week ?? null,
        noRiskPolicy: v.no_risk_policy,
      })),
    });
  }
  return result;
}
