import { randomUUID } from 'node:crypto';
import { AppError } from '../errors.js';
import {
  changePercentage,
  checkFirstSickDay,
  decideCount,
  type CountDecision,
  endTimeline,
  lastSickDayOf,
  percentageFromHours,
  startTimeline,
  type OtherEndReason,
  quoting,
} from '../domain/absence.js';
import {
  otherEndSchema,
  percentageChangeSchema,
  recoverySchema,
  sickReportSchema,
  type OtherEndInput,
  type PercentageChangeInput,
  type RecoveryInput,
  type SickReport,
  type SickReportInput,
} from './schemas.js';
import { WriteBatch } from '../store/batch.js';
import {
  employmentFor,
  recordReport,
  saveTimeline,
  type EmploymentOnDay,
  type UseCaseContext,
} from './records.js';
import { caseForReport, finishReport, type CaseForReport, type ReportResult } from './case-store.js';

export { correctCase } from './correction.js';
export type { CaseRow, ReportResult } from './case-store.js';

/** Namespace of the advisory lock that takes an employee's reports continuing a count one at a time. */
const COUNT_LOCK = 0x4b50_4143; // "KPAC"

/** What a sick report on `employment` starts: refused when the report cannot be made. */
function countOfReport(
  ctx: UseCaseContext,
  input: SickReportInput,
  employment: EmploymentOnDay,
): CountDecision {
  checkFirstSickDay({
    firstSickDay: input.firstSickDay,
    today: ctx.today,
    lateReason: input.lateReason,
    employment,
  });
  const open = employment.openAbsenceCase;
  if (open) {
    throw quoting(
      new AppError(
        'conflict',
        `This employment already has an open absence case since ${open.firstSickDay} (case ${open.id}); ` +
          'report a partial recovery or relapse on that case instead.',
      ),
      `This employment already has an open absence case (case ${open.id}); ` +
        'report a partial recovery or relapse on that case instead.',
    );
  }
  return decideCount(input.firstSickDay, employment.previousCase);
}

/**
 * Reports an employee sick: a new case with its timeline, tasks, outbox message and audit event.
 * Everything is written by one statement; the unique index on open cases decides between two
 * reports that race for the same employment. A report that continues an earlier case's count is
 * decided again under the employee's lock, in a transaction: of two employments reported sick at
 * the same moment, only one continues that count.
 */
export async function reportSick(
  ctx: UseCaseContext,
  employeeId: string,
  raw: SickReportInput,
): Promise<ReportResult> {
  const input = sickReportSchema.parse(raw);
  const employment = await employmentFor(ctx.db, employeeId, input.employmentId, input.firstSickDay);
  const count = countOfReport(ctx, input, employment);
  if (!count.continuesCaseId) return writeSickReport(ctx, employeeId, input, employment, count);
  return ctx.db.transaction(async (trx) => {
    await trx.raw(`select pg_advisory_xact_lock(?, hashtext(?))`, [COUNT_LOCK, employeeId]);
    const now = await employmentFor(trx, employeeId, input.employmentId, input.firstSickDay);
    return writeSickReport({ ...ctx, db: trx }, employeeId, input, now, countOfReport(ctx, input, now));
  });
}

async function writeSickReport(
  ctx: UseCaseContext,
  employeeId: string,
  input: SickReport,
  employment: EmploymentOnDay,
  count: CountDecision,
): Promise<ReportResult> {
  const db = ctx.db;
  const percentage = input.percentage ?? percentageFromHours(input.hoursNotWorked!, employment.hoursPerWeek);
  const caseId = randomUUID();
  const batch = new WriteBatch().add(
    db.raw(
      `insert into absence_cases (id, employer_id, employee_id, employment_id, first_sick_day, count_start,
         continues_case_id, count_case_id, classification, safety_net, late_reason)
       values (?::uuid, ?::uuid, ?::uuid, ?::uuid, ?::date, ?::date, ?::uuid, ?::uuid, ?, ?::boolean, ?)`,
      [
        caseId,
        employment.employerId,
        employeeId,
        employment.id,
        input.firstSickDay,
        count.countStart,
        count.continuesCaseId,
        // The Poortwachter tasks follow from the count; a continued count keeps its tasks as they were.
        count.continuesCaseId ? employment.previousCase!.countCaseId : null,
        input.classification,
        input.safetyNet,
        input.lateReason ?? null,
      ],
    ),
  );
  // An end date the source gave before the employee fell sick (or a late report of sickness that
  // began before an ended employment): recorded as the sync records one given while sick, so the
  // case is not left without any sign that the employment ends. The employment row is read with a
  // share lock whatever its end date: a sync that is changing it meanwhile (giving it an end date,
  // too) is waited for, and the date it leaves is the one recorded. Filtered after the lock (a
  // materialized step, so the filter is not moved below it): a row whose end date is empty in the
  // statement's snapshot would not be locked at all.
  batch.add(
    db.raw(
      `insert into case_events (employer_id, employee_id, employment_id, absence_case_id, kind, event_date)
       with m as materialized (
         select employer_id, employee_id, id, end_date from employments where id = ?::uuid for share)
       select m.employer_id, m.employee_id, m.id, ?::uuid, 'employment_ended_while_sick', m.end_date
         from m where m.end_date is not null`,
      [employment.id, caseId],
    ),
  );

  saveTimeline(
    batch,
    db,
    caseId,
    { timeline: [], periodIds: [] },
    startTimeline(input.firstSickDay, percentage),
  );
  const details = {
    firstSickDay: input.firstSickDay,
    percentage,
    classification: input.classification,
    safetyNet: input.safetyNet,
    ...(input.hoursNotWorked !== undefined ? { hoursNotWorked: input.hoursNotWorked } : {}),
    ...(count.continuesCaseId
      ? { continuesCaseId: count.continuesCaseId, countStart: count.countStart }
      : {}),
  };
  let recorded: { outboxSequence: number; warnings: string[] };
  try {
    recorded = await recordReport(
      db,
      batch,
      ctx.actor,
      { type: 'absence', id: caseId, employerId: employment.employerId, employeeId },
      'sick_report',
      details,
      input.note,
    );
  } catch (err) {
    if ((err as { code?: string }).code === '23505') {
      throw new AppError(
        'conflict',
        'This employment already has an open absence case; report on that case instead.',
      );
    }
    throw err;
  }
  return {
    caseId,
    outboxSequence: recorded.outboxSequence,
    ...(count.continuesCaseId
      ? {
          samentelling: {
            continuesCaseId: count.continuesCaseId,
            countStart: count.countStart,
            message:
              `This sickness starts within 4 weeks after the previous case ended, so it continues that case's ` +
              `count from ${count.countStart} (samentelling); its Poortwachter tasks are open again.`,
          },
        }
      : {}),
    warnings: recorded.warnings,
  };
}

/** Partial recovery or relapse: a new percentage from a date. */
export async function reportPercentageChange(
  ctx: UseCaseContext,
  employeeId: string,
  caseId: string,
  raw: PercentageChangeInput,
): Promise<ReportResult> {
  const input = percentageChangeSchema.parse(raw);
  const db = ctx.db;
  const c = await caseForReport(db, employeeId, caseId);
  const employment = await employmentFor(db, employeeId, c.employment_id, input.from);
  const percentage = input.percentage ?? percentageFromHours(input.hoursNotWorked!, employment.hoursPerWeek);
  const before = c.stored.timeline;
  const timeline = changePercentage(before, input.from, percentage, ctx.today);
  const batch = new WriteBatch();
  saveTimeline(batch, db, c.id, c.stored, timeline);
  const previous = before.at(-1)!.percentage;
  const kind = percentage < previous ? 'partial_recovery' : 'relapse';
  const details = { from: input.from, percentage, previousPercentage: previous };
  return finishReport(db, batch, ctx, c, kind, details, input.note, {});
}

/** Ends a case: its timeline closed, its status and end (its open tasks close with it). */
function endCase(
  ctx: UseCaseContext,
  c: CaseForReport,
  lastSickDay: string,
  end: { kind: 'recovery' | 'other_end'; reason: OtherEndReason | null },
  details: Record<string, unknown>,
  note: string | undefined,
): Promise<ReportResult> {
  const batch = new WriteBatch();
  saveTimeline(batch, ctx.db, c.id, c.stored, endTimeline(c.stored.timeline, lastSickDay, ctx.today));
  return finishReport(ctx.db, batch, ctx, c, end.kind, details, note, {
    status: 'ended',
    last_sick_day: lastSickDay,
    end_kind: end.kind === 'recovery' ? 'recovered' : 'other',
    end_reason: end.reason,
  });
}

/** Full recovery: the last sick day, or the first day back (the day after). */
export async function reportRecovery(
  ctx: UseCaseContext,
  employeeId: string,
  caseId: string,
  raw: RecoveryInput,
): Promise<ReportResult> {
  const input = recoverySchema.parse(raw);
  const lastSickDay = lastSickDayOf(input);
  const c = await caseForReport(ctx.db, employeeId, caseId);
  const details = input.firstDayBack ? { firstDayBack: input.firstDayBack, lastSickDay } : { lastSickDay };
  return endCase(ctx, c, lastSickDay, { kind: 'recovery', reason: null }, details, input.note);
}

/** Ends a case for another reason than recovery (out of service while sick, deceased, other). */
export async function reportOtherEnd(
  ctx: UseCaseContext,
  employeeId: string,
  caseId: string,
  raw: OtherEndInput,
): Promise<ReportResult> {
  const input = otherEndSchema.parse(raw);
  const c = await caseForReport(ctx.db, employeeId, caseId);
  const details = { lastSickDay: input.lastSickDay, reason: input.reason };
  return endCase(ctx, c, input.lastSickDay, { kind: 'other_end', reason: input.reason }, details, input.note);
}
