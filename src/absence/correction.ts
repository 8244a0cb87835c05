import { AppError } from '../errors.js';
import {
  checkFirstSickDay,
  correctTimeline,
  decideCount,
  lateReportDays,
  quoting,
} from '../domain/absence.js';
import { daysBetween, todayIn } from '../domain/dates.js';
import { correctionSchema, type CorrectionInput } from './schemas.js';
import { WriteBatch } from '../store/batch.js';
import { employmentFor, saveTimeline, type UseCaseContext } from './records.js';
import { caseForReport, finishReport, type CaseForReport, type ReportResult } from './case-store.js';

const correctionReason = 'correction of an earlier report';

/** Corrects classification, first sick day or percentage while no partial recovery exists. */
export async function correctCase(
  ctx: UseCaseContext,
  employeeId: string,
  caseId: string,
  raw: CorrectionInput,
): Promise<ReportResult> {
  const input = correctionSchema.parse(raw);
  const db = ctx.db;
  const c = await caseForReport(db, employeeId, caseId);
  const before = c.stored.timeline;
  const timeline = correctTimeline(before, {
    firstSickDay: input.firstSickDay,
    percentage: input.percentage,
  });
  const changes =
    (input.firstSickDay !== undefined && input.firstSickDay !== c.first_sick_day) ||
    (input.percentage !== undefined && input.percentage !== before[0]!.percentage) ||
    (input.classification !== undefined && input.classification !== c.classification) ||
    (input.safetyNet !== undefined && input.safetyNet !== c.safety_net);
  // Nothing to record: a correction that changes nothing would only add a version and a message. A
  // caller who cannot see the case is not told so (the refusal would confirm what the case holds):
  // their correction is recorded as they gave it.
  if (!changes && ctx.seesDossier !== false) {
    throw new AppError(
      'bad_request',
      'The correction changes nothing: the case already has the first sick day, percentage, classification and safety-net flag given.',
    );
  }
  let countStart = c.count_start;
  if (input.firstSickDay && input.firstSickDay !== c.first_sick_day) {
    const employment = await employmentFor(db, employeeId, c.employment_id, input.firstSickDay, c.id);
    checkFirstSickDay({
      firstSickDay: input.firstSickDay,
      today: ctx.today,
      // The 30-day rule is about the report: judged below against the day the case was reported.
      lateReason: correctionReason,
      employment,
    });
    await checkStillTimely(ctx, c, input.firstSickDay, input.lateReason);
    const count = decideCount(input.firstSickDay, employment.previousCase);
    if (count.continuesCaseId !== c.continues_case_id) {
      throw new AppError(
        'conflict',
        `Moving the first sick day to ${input.firstSickDay} would change whether this case continues the previous one ` +
          '(samentelling); end this case with reason "other" and report the sickness anew.',
      );
    }
    countStart = count.countStart;
  }
  const batch = new WriteBatch();
  saveTimeline(batch, db, c.id, c.stored, timeline);
  const details = {
    ...(input.firstSickDay ? { firstSickDay: { from: c.first_sick_day, to: input.firstSickDay } } : {}),
    ...(input.percentage ? { percentage: { from: before[0]!.percentage, to: input.percentage } } : {}),
    ...(input.classification ? { classification: { from: c.classification, to: input.classification } } : {}),
    ...(input.safetyNet !== undefined ? { safetyNet: { from: c.safety_net, to: input.safetyNet } } : {}),
  };
  return finishReport(db, batch, ctx, c, 'correction', details, input.note, {
    first_sick_day: timeline[0]!.from,
    count_start: countStart,
    classification: input.classification ?? c.classification,
    safety_net: input.safetyNet ?? c.safety_net,
    late_reason: input.lateReason ?? c.late_reason,
  });
}

/**
 * A first sick day corrected to more than 30 days before the case was reported (today, if that is
 * earlier: a report dated back) makes the report a late one: it needs a `lateReason`, as a late
 * sick report does, unless the case has one already.
 */
async function checkStillTimely(
  ctx: UseCaseContext,
  c: CaseForReport,
  firstSickDay: string,
  lateReason: string | undefined,
): Promise<void> {
  if (lateReason || c.late_reason) return;
  const [row] = (await ctx
    .db('case_reports')
    .where({ absence_case_id: c.id })
    .min({ reported_at: 'reported_at' })) as Array<{ reported_at: Date | string | null }>;
  // The day of the report where it was made, as `today` is.
  const reported = row?.reported_at ? todayIn(ctx.timeZone, new Date(row.reported_at)) : undefined;
  const today = ctx.today;
  const reportedOn = reported && reported < today ? reported : today;
  if (daysBetween(firstSickDay, reportedOn) <= lateReportDays) return;
  throw quoting(
    new AppError(
      'validation_failed',
      `first sick day ${firstSickDay} is more than ${lateReportDays} days before the case was reported (${reportedOn}); ` +
        'give a lateReason saying why the sickness was reported this late',
      [{ path: 'lateReason', message: 'required for a late report' }],
    ),
    `first sick day ${firstSickDay} is more than ${lateReportDays} days before the case was reported; ` +
      'give a lateReason saying why the sickness was reported this late',
  );
}
