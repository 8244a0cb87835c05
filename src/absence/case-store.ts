import type { Knex } from 'knex';
import { AppError } from '../errors.js';
import type { Classification, OtherEndReason } from '../domain/absence.js';
import type { WriteBatch } from '../store/batch.js';
import { prepared } from '../store/db.js';
import { recordReport, toStoredTimeline, type StoredTimeline, type UseCaseContext } from './records.js';

export interface CaseRow {
  id: string;
  employer_id: string;
  employee_id: string;
  employment_id: string;
  status: 'open' | 'ended';
  first_sick_day: string;
  count_start: string;
  continues_case_id: string | null;
  classification: Classification;
  safety_net: boolean;
  late_reason: string | null;
  last_sick_day: string | null;
  end_kind: 'recovered' | 'other' | null;
  end_reason: OtherEndReason | null;
}

export interface ReportResult {
  caseId: string;
  outboxSequence: number;
  /** Set when the report continues an earlier case's count (samentelling). */
  samentelling?: { continuesCaseId: string; countStart: string; message: string };
  warnings: string[];
}

/** A case locked for a change, with its stored timeline. */
export interface LockedCase extends CaseRow {
  stored: StoredTimeline;
}

/**
 * Locks a case of the employee for a change and reads its timeline in the same query; 404 when it
 * is not theirs, 409 when it has ended.
 */
export async function lockCase(
  trx: Knex,
  employeeId: string,
  caseId: string,
  mustBeOpen = true,
): Promise<LockedCase> {
  const result = await prepared(
    trx,
    `select c.*, coalesce((
       select json_agg(json_build_object('id', p.id, 'from_date', p.from_date, 'until_date', p.until_date,
         'percentage', p.percentage) order by p.from_date)
       from absence_periods p where p.case_id = c.id), '[]'::json) as periods
     from absence_cases c where c.id = ? and c.employee_id = ? for update of c`,
    [caseId, employeeId],
  );
  const row = result.rows[0] as (CaseRow & { periods: Parameters<typeof toStoredTimeline>[0] }) | undefined;
  if (!row) throw new AppError('not_found', `No absence case ${caseId} for employee ${employeeId}.`);
  if (mustBeOpen && row.status !== 'open') {
    throw new AppError(
      'conflict',
      `Absence case ${caseId} ended on ${row.last_sick_day}; it cannot be changed any more.`,
    );
  }
  const { periods, ...c } = row;
  return { ...c, stored: toStoredTimeline(periods) };
}

/** Sends the case's writes in the batch with the history, note, outbox row and audit event of a report. */
export async function finishReport(
  trx: Knex,
  batch: WriteBatch,
  ctx: UseCaseContext,
  c: CaseRow,
  kind: string,
  details: Record<string, unknown>,
  note: string | undefined,
): Promise<ReportResult> {
  const { outboxSequence, warnings } = await recordReport(
    trx,
    batch,
    ctx.actor,
    { type: 'absence', id: c.id, employerId: c.employer_id, employeeId: c.employee_id },
    kind,
    details,
    note,
  );
  return { caseId: c.id, outboxSequence, warnings };
}
