import type { Knex } from 'knex';
import { AppError } from '../errors.js';
import { quoting, type Classification, type OtherEndReason } from '../domain/absence.js';
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

/** A case read for a report, with its stored timeline and the version the report builds on. */
export interface CaseForReport extends CaseRow {
  version: number;
  stored: StoredTimeline;
}

/**
 * Reads a case of the employee and its timeline in one query for a report; 404 when it is not
 * theirs, 409 when it has ended. The report is written only if the case still has this version.
 */
export async function caseForReport(
  db: Knex,
  employeeId: string,
  caseId: string,
  mustBeOpen = true,
): Promise<CaseForReport> {
  const result = await prepared(
    db,
    // Columns by name: a prepared statement must keep its result type when a later migration adds one.
    `select c.id, c.employer_id, c.employee_id, c.employment_id, c.status, c.first_sick_day, c.count_start,
       c.continues_case_id, c.classification, c.safety_net, c.late_reason, c.last_sick_day, c.end_kind,
       c.end_reason, c.version, coalesce((
       select json_agg(json_build_object('id', p.id, 'from_date', p.from_date, 'until_date', p.until_date,
         'percentage', p.percentage) order by p.from_date)
       from absence_periods p where p.case_id = c.id), '[]'::json) as periods
     from absence_cases c where c.id = ? and c.employee_id = ?`,
    [caseId, employeeId],
  );
  const row = result.rows[0] as
    (CaseRow & { version: number; periods: Parameters<typeof toStoredTimeline>[0] }) | undefined;
  if (!row) throw new AppError('not_found', `No absence case ${caseId} for employee ${employeeId}.`);
  if (mustBeOpen && row.status !== 'open') {
    throw quoting(
      new AppError(
        'conflict',
        `Absence case ${caseId} ended on ${row.last_sick_day}; it cannot be changed any more.`,
      ),
      `Absence case ${caseId} has ended; it cannot be changed any more.`,
    );
  }
  const { periods, ...c } = row;
  return { ...c, stored: toStoredTimeline(periods) };
}

/**
 * Sends a report on a case as one statement: the case's new version with `changes`, the writes in
 * the batch, and the history, note, outbox row and audit event. Refused with 409, writing nothing,
 * when another report changed the case since it was read.
 */
export async function finishReport(
  db: Knex,
  batch: WriteBatch,
  ctx: UseCaseContext,
  c: CaseForReport,
  kind: string,
  details: Record<string, unknown>,
  note: string | undefined,
  changes: Record<string, unknown> = {},
): Promise<ReportResult> {
  batch.guard(
    db('absence_cases')
      .where({ id: c.id, version: c.version })
      .update({ ...changes, version: c.version + 1, updated_at: db.fn.now() })
      .returning('id'),
    new AppError(
      'conflict',
      `Absence case ${c.id} was changed by another report at the same moment; read it again and report anew.`,
    ),
  );
  const { outboxSequence, warnings } = await recordReport(
    db,
    batch,
    ctx.actor,
    { type: 'absence', id: c.id, employerId: c.employer_id, employeeId: c.employee_id },
    kind,
    details,
    note,
  );
  return { caseId: c.id, outboxSequence, warnings };
}
