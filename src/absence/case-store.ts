import type { Knex } from 'knex';
import { AppError } from '../errors.js';
import type { Classification, OtherEndReason, PreviousCase } from '../domain/absence.js';
import { recordReport, type UseCaseContext } from './records.js';

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

/** The latest ended case of the employee at the same employer, for samentelling. */
export async function previousCase(trx: Knex, employeeId: string): Promise<PreviousCase | undefined> {
  const row = (await trx('absence_cases')
    .where({ employee_id: employeeId, status: 'ended' })
    .orderBy('last_sick_day', 'desc')
    .first('id', 'count_start', 'first_sick_day', 'last_sick_day')) as
    { id: string; count_start: string; first_sick_day: string; last_sick_day: string } | undefined;
  return (
    row && {
      id: row.id,
      countStart: row.count_start,
      firstSickDay: row.first_sick_day,
      lastSickDay: row.last_sick_day,
    }
  );
}

/** Locks a case of the employee for a change; 404 when it is not theirs, 409 when it has ended. */
export async function lockCase(
  trx: Knex,
  employeeId: string,
  caseId: string,
  mustBeOpen = true,
): Promise<CaseRow> {
  const row = (await trx('absence_cases')
    .where({ id: caseId, employee_id: employeeId })
    .forUpdate()
    .first()) as CaseRow | undefined;
  if (!row) throw new AppError('not_found', `No absence case ${caseId} for employee ${employeeId}.`);
  if (mustBeOpen && row.status !== 'open') {
    throw new AppError(
      'conflict',
      `Absence case ${caseId} ended on ${row.last_sick_day}; it cannot be changed any more.`,
    );
  }
  return row;
}

/** Writes history, note, outbox row and audit event of a report on an existing case. */
export async function finishReport(
  trx: Knex,
  ctx: UseCaseContext,
  c: CaseRow,
  kind: string,
  details: Record<string, unknown>,
  note: string | undefined,
): Promise<ReportResult> {
  const { outboxSequence, warnings } = await recordReport(
    trx,
    ctx.actor,
    { type: 'absence', id: c.id, employerId: c.employer_id, employeeId: c.employee_id },
    kind,
    details,
    note,
  );
  return { caseId: c.id, outboxSequence, warnings };
}
