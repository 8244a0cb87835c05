import type { Knex } from 'knex';
import { AppError } from '../errors.js';
import { inTransaction } from '../store/db.js';
import { addDays } from '../domain/dates.js';
import { computeLeave } from '../domain/pregnancy.js';
import { inServiceOn, quoting } from '../domain/absence.js';
import {
  deliverySchema,
  pregnancyCorrectionSchema,
  pregnancyEndSchema,
  pregnancyReportSchema,
  type DeliveryInput,
  type PregnancyCorrectionInput,
  type PregnancyEndInput,
  type PregnancyReportInput,
} from './schemas.js';
import { WriteBatch } from '../store/batch.js';
import { employmentFor, recordReport, type UseCaseContext } from './records.js';

interface PregnancyRow {
  id: string;
  employer_id: string;
  employee_id: string;
  employment_id: string;
  status: 'open' | 'ended';
  expected_date: string;
  multiple: boolean;
  last_working_day: string;
  leave_start: string;
  leave_end: string;
  actual_delivery_date: string | null;
  end_reason: string | null;
  ended_on: string | null;
}

export interface PregnancyView {
  id: string;
  employeeId: string;
  employmentId: string;
  status: 'open' | 'ended';
  expectedDate: string;
  multiple: boolean;
  lastWorkingDay: string;
  leaveStart: string;
  leaveEnd: string;
  actualDeliveryDate: string | null;
  endReason: string | null;
  endedOn: string | null;
}

function toView(r: PregnancyRow): PregnancyView {
  return {
    id: r.id,
    employeeId: r.employee_id,
    employmentId: r.employment_id,
    status: r.status,
    expectedDate: r.expected_date,
    multiple: r.multiple,
    lastWorkingDay: r.last_working_day,
    leaveStart: r.leave_start,
    leaveEnd: r.leave_end,
    actualDeliveryDate: r.actual_delivery_date,
    endReason: r.end_reason,
    endedOn: r.ended_on,
  };
}

export interface PregnancyResult {
  pregnancy: PregnancyView | Pick<PregnancyView, 'id' | 'employeeId' | 'employmentId' | 'status'>;
  outboxSequence: number;
  warnings: string[];
}

async function finish(
  trx: Knex,
  ctx: UseCaseContext,
  row: PregnancyRow,
  kind: string,
  details: Record<string, unknown>,
  note: string | undefined,
): Promise<PregnancyResult> {
  const { outboxSequence, warnings } = await recordReport(
    trx,
    new WriteBatch(),
    ctx.actor,
    { type: 'pregnancy', id: row.id, employerId: row.employer_id, employeeId: row.employee_id },
    kind,
    details,
    note,
  );
  return { pregnancy: toView(row), outboxSequence, warnings };
}

/** A pregnancy report's answer for a role without the dossier: which case, not what it holds. */
export function reportedPregnancy(result: PregnancyResult): PregnancyResult {
  const { id, employeeId, employmentId, status } = result.pregnancy;
  return { ...result, pregnancy: { id, employeeId, employmentId, status } };
}

/** How long before the expected date a delivery can be: 24 weeks. */
const EARLIEST_DELIVERY_DAYS = 24 * 7;

/** Reports a pregnancy: the leave window is computed and a last working day outside it is refused. */
export async function reportPregnancy(
  ctx: UseCaseContext,
  employeeId: string,
  raw: PregnancyReportInput,
): Promise<PregnancyResult> {
  const input = pregnancyReportSchema.parse(raw);
  return inTransaction(ctx.db, async (trx) => {
    const day = input.lastWorkingDay < ctx.today ? input.lastWorkingDay : ctx.today;
    const employment = await employmentFor(trx, employeeId, input.employmentId, day);
    if (!inServiceOn(employment, day)) {
      throw new AppError(
        'validation_failed',
        `The employee is not in service on ${day} (employment from ${employment.startDate}${employment.endDate ? ` through ${employment.endDate}` : ''}); a pregnancy is reported for an employee in service.`,
        [{ path: 'lastWorkingDay', message: 'not in service' }],
      );
    }
    const leave = computeLeave(input);
    // A case of this employment whose leave is over ends now: it does not hold up the new pregnancy.
    await endFinishedLeaves(trx, ctx.today, employment.id);
    const open = (await trx('pregnancy_cases')
      .where({ employment_id: employment.id, status: 'open' })
      .first('id')) as { id: string } | undefined;
    const alreadyOpen = (id?: string) =>
      new AppError(
        'conflict',
        `This employment already has an open pregnancy case${id ? ` (${id})` : ''}; correct that one instead.`,
      );
    if (open) throw alreadyOpen(open.id);
    const [row] = (await trx('pregnancy_cases')
      .insert({
        employer_id: employment.employerId,
        employee_id: employeeId,
        employment_id: employment.id,
        expected_date: input.expectedDate,
        multiple: input.multiple,
        last_working_day: input.lastWorkingDay,
        leave_start: leave.start,
        leave_end: leave.end,
      })
      .returning('*')
      .catch((err: unknown) => {
        // A report of the same pregnancy that committed meanwhile (the check above did not see it).
        if ((err as { code?: string }).code === '23505') throw alreadyOpen();
        throw err;
      })) as [PregnancyRow];
    const details = {
      expectedDate: input.expectedDate,
      multiple: input.multiple,
      lastWorkingDay: input.lastWorkingDay,
      leaveStart: leave.start,
      leaveEnd: leave.end,
    };
    return finish(trx, ctx, row, 'pregnancy_report', details, input.note);
  });
}

async function lockPregnancy(trx: Knex, employeeId: string, caseId: string): Promise<PregnancyRow> {
  const row = (await trx('pregnancy_cases')
    .where({ id: caseId, employee_id: employeeId })
    .forUpdate()
    .first()) as PregnancyRow | undefined;
  if (!row) throw new AppError('not_found', `No pregnancy case ${caseId} for employee ${employeeId}.`);
  if (row.status !== 'open')
    throw quoting(
      new AppError('conflict', `Pregnancy case ${caseId} ended on ${row.ended_on}; it cannot be changed.`),
      `Pregnancy case ${caseId} has ended; it cannot be changed.`,
    );
  return row;
}

async function recompute(trx: Knex, row: PregnancyRow, change: Partial<PregnancyRow>): Promise<PregnancyRow> {
  const next = { ...row, ...change };
  const leave = storedLeave(next, change);
  const [updated] = (await trx('pregnancy_cases')
    .where({ id: row.id })
    .update({ ...change, leave_start: leave.start, leave_end: leave.end, updated_at: trx.fn.now() })
    .returning('*')) as [PregnancyRow];
  return updated;
}

/**
 * The leave of a stored case with a change; a refusal quotes the stored dates only for the dossier.
 * For a caller who cannot see it, it quotes only what that caller sent (`change`).
 */
function storedLeave(next: PregnancyRow, change: Partial<PregnancyRow>) {
  try {
    return computeLeave({
      expectedDate: next.expected_date,
      multiple: next.multiple,
      lastWorkingDay: next.last_working_day,
      actualDeliveryDate: next.actual_delivery_date,
    });
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    throw quoting(
      err,
      `${change.last_working_day !== undefined ? `last working day ${change.last_working_day}` : "the case's last working day"} ` +
        "is outside the leave window of the case's expected date " +
        '(the leave starts 6 to 4 weeks before it, 10 to 8 weeks for a multiple birth)',
    );
  }
}

/** Corrects expected date, multiple birth or last working day; the leave is computed again. */
export async function correctPregnancy(
  ctx: UseCaseContext,
  employeeId: string,
  caseId: string,
  raw: PregnancyCorrectionInput,
): Promise<PregnancyResult> {
  const input = pregnancyCorrectionSchema.parse(raw);
  return inTransaction(ctx.db, async (trx) => {
    const row = await lockPregnancy(trx, employeeId, caseId);
    const change: Partial<PregnancyRow> = {
      ...(input.expectedDate !== undefined ? { expected_date: input.expectedDate } : {}),
      ...(input.multiple !== undefined ? { multiple: input.multiple } : {}),
      ...(input.lastWorkingDay !== undefined ? { last_working_day: input.lastWorkingDay } : {}),
    };
    const updated = await recompute(trx, row, change);
    const details = { ...change, leaveStart: updated.leave_start, leaveEnd: updated.leave_end };
    return finish(trx, ctx, updated, 'pregnancy_correction', details, input.note);
  });
}

/** Records the actual delivery date; the end of the leave is computed again. */
export async function reportDelivery(
  ctx: UseCaseContext,
  employeeId: string,
  caseId: string,
  raw: DeliveryInput,
): Promise<PregnancyResult> {
  const input = deliverySchema.parse(raw);
  if (input.actualDeliveryDate > ctx.today) {
    throw new AppError(
      'validation_failed',
      `actualDeliveryDate ${input.actualDeliveryDate} is after today (${ctx.today}); report a delivery once it has happened.`,
      [{ path: 'actualDeliveryDate', message: 'after today' }],
    );
  }
  return inTransaction(ctx.db, async (trx) => {
    const row = await lockPregnancy(trx, employeeId, caseId);
    // No child is born alive that early (22 weeks of pregnancy is 18 weeks before the expected date):
    // such a date is a typing error, or the pregnancy ended and the case is ended instead.
    const earliest = addDays(row.expected_date, -EARLIEST_DELIVERY_DAYS);
    if (input.actualDeliveryDate < earliest) {
      throw quoting(
        new AppError(
          'validation_failed',
          `actualDeliveryDate ${input.actualDeliveryDate} is more than ${EARLIEST_DELIVERY_DAYS / 7} weeks before the expected date ${row.expected_date}; correct the expected date first, or end the pregnancy case with a reason.`,
          [{ path: 'actualDeliveryDate', message: `before ${earliest}` }],
        ),
        `actualDeliveryDate ${input.actualDeliveryDate} is more than ${EARLIEST_DELIVERY_DAYS / 7} weeks before the case's expected date; have the expected date corrected first, or end the pregnancy case with a reason.`,
      );
    }
    const updated = await recompute(trx, row, { actual_delivery_date: input.actualDeliveryDate });
    const details = {
      actualDeliveryDate: input.actualDeliveryDate,
      leaveStart: updated.leave_start,
      leaveEnd: updated.leave_end,
    };
    return finish(trx, ctx, updated, 'delivery', details, input.note);
  });
}

/** Ends a pregnancy case early, with a reason. */
export async function endPregnancy(
  ctx: UseCaseContext,
  employeeId: string,
  caseId: string,
  raw: PregnancyEndInput,
): Promise<PregnancyResult> {
  const input = pregnancyEndSchema.parse(raw);
  if (input.endDate > ctx.today) {
    throw new AppError(
      'validation_failed',
      `endDate ${input.endDate} is after today (${ctx.today}); end the case once it has ended.`,
      [{ path: 'endDate', message: 'after today' }],
    );
  }
  return inTransaction(ctx.db, async (trx) => {
    const row = await lockPregnancy(trx, employeeId, caseId);
    const [updated] = (await trx('pregnancy_cases')
      .where({ id: row.id })
      .update({
        status: 'ended',
        end_reason: input.reason,
        ended_on: input.endDate,
        updated_at: trx.fn.now(),
      })
      .returning('*')) as [PregnancyRow];
    return finish(
      trx,
      ctx,
      updated,
      'pregnancy_end',
      { endDate: input.endDate, reason: input.reason },
      input.note,
    );
  });
}

/** The pregnancy cases of an employee, newest first. */
export async function pregnanciesOfEmployee(db: Knex, employeeId: string): Promise<PregnancyView[]> {
  const rows = (await db('pregnancy_cases')
    .where({ employee_id: employeeId })
    .orderBy('expected_date', 'desc')) as PregnancyRow[];
  return rows.map(toView);
}

/** How long after its computed end a leave without a reported delivery stays open: a late birth lengthens it. */
const UNREPORTED_DELIVERY_GRACE_DAYS = 28;

/** Why a case ended on its own: its leave was over. */
export const leaveEndedReason = 'leave_ended';

/**
 * Ends the open pregnancy cases whose leave is over, on the leave's last day, each with its history
 * row, outbox message and audit event (by the system). Of `employmentId` (a new pregnancy is reported
 * for it): each whose leave ended before `today`. Of all employers: those whose leave ended before
 * `today` with the delivery reported, or more than four weeks before without it. Returns how many.
 */
export async function endFinishedLeaves(db: Knex, today: string, employmentId?: string): Promise<number> {
  const actor = { type: 'system', id: 'pregnancy-leave-ends' } as const;
  const due = (await db('pregnancy_cases')
    .where({ status: 'open' })
    .modify((q) => {
      if (employmentId) q.where({ employment_id: employmentId }).where('leave_end', '<', today);
      else
        q.where((w) =>
          w
            .where((d) => d.whereNotNull('actual_delivery_date').where('leave_end', '<', today))
            .orWhere('leave_end', '<', addDays(today, -UNREPORTED_DELIVERY_GRACE_DAYS)),
        );
    })
    .select('id')) as Array<{ id: string }>;
  let ended = 0;
  for (const { id } of due) {
    ended += await inTransaction(db, async (trx) => {
      const [row] = (await trx('pregnancy_cases')
        .where({ id, status: 'open' })
        .update({
          status: 'ended',
          end_reason: leaveEndedReason,
          ended_on: trx.ref('leave_end'),
          updated_at: trx.fn.now(),
        })
        .returning('*')) as PregnancyRow[];
      // Ended meanwhile by someone else: nothing more to record.
      if (!row) return 0;
      const details = { endDate: row.ended_on, reason: leaveEndedReason };
      await finish(trx, { db: trx, actor, today }, row, 'pregnancy_end', details, undefined);
      return 1;
    });
  }
  return ended;
}
