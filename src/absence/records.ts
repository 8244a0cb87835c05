import type { Knex } from 'knex';
import { AppError } from '../errors.js';
import type { Timeline } from '../domain/absence.js';

export const actorTypes = ['operator', 'user', 'api_token', 'sync', 'system'] as const;
/** Who made a report: stored as type + id text in the history and the audit trail. */
export interface Actor {
  type: (typeof actorTypes)[number];
  id: string;
}

/** What every use case runs with: the store (or an open transaction), the caller and today's date. */
export interface UseCaseContext {
  db: Knex;
  actor: Actor;
  /** Today in the configured time zone, as YYYY-MM-DD. */
  today: string;
}

export const noMedicalDataWarning =
  'Notes must not contain medical data: no diagnosis, cause, symptoms or nature of the illness.';

export interface EmploymentOnDay {
  id: string;
  employerId: string;
  employeeId: string;
  startDate: string;
  endDate: string | null;
  hoursPerWeek: number | null;
  contractType: 'B' | 'O' | null;
}

/** Finds the employee or answers 404. */
export async function requireEmployee(
  trx: Knex,
  employeeId: string,
): Promise<{ id: string; employerId: string }> {
  const row = (await trx('employees').where({ id: employeeId }).first('id', 'employer_id')) as
    { id: string; employer_id: string } | undefined;
  if (!row) throw new AppError('not_found', `No employee with id ${employeeId}.`);
  return { id: row.id, employerId: row.employer_id };
}

/**
 * The employment a report is about: the one given, or the only employment covering `day`. An
 * employee with two employments on that day must say which.
 */
export async function employmentFor(
  trx: Knex,
  employeeId: string,
  employmentId: string | undefined,
  day: string,
): Promise<EmploymentOnDay> {
  const rows = (await trx('employments as e')
    .where('e.employee_id', employeeId)
    .modify((q) => {
      if (employmentId) q.where('e.id', employmentId);
    })
    .select('e.id', 'e.employer_id', 'e.employee_id', 'e.start_date', 'e.end_date')
    .orderBy('e.start_date', 'desc')) as Array<{
    id: string;
    employer_id: string;
    employee_id: string;
    start_date: string;
    end_date: string | null;
  }>;
  if (employmentId && rows.length === 0) {
    throw new AppError('not_found', `No employment ${employmentId} of employee ${employeeId}.`);
  }
  if (rows.length === 0) {
    throw new AppError(
      'validation_failed',
      `Employee ${employeeId} has no employment; nothing can be reported.`,
    );
  }
  const covering = rows.filter((r) => r.start_date <= day && (r.end_date === null || r.end_date >= day));
  if (!employmentId && covering.length > 1) {
    throw new AppError(
      'validation_failed',
      `The employee has ${covering.length} employments on ${day}; give employmentId to say which one the report is about.`,
      covering.map((r) => ({ path: 'employmentId', message: `candidate ${r.id}` })),
    );
  }
  const row = employmentId ? rows[0]! : (covering[0] ?? rows[0]!);
  const version = (await trx('employment_versions')
    .where('employment_id', row.id)
    .where('valid_from', '<=', day)
    .where((q) => q.whereNull('valid_to').orWhere('valid_to', '>=', day))
    .first('hours_per_week', 'contract_type')) as
    { hours_per_week: number | null; contract_type: 'B' | 'O' | null } | undefined;
  return {
    id: row.id,
    employerId: row.employer_id,
    employeeId: row.employee_id,
    startDate: row.start_date,
    endDate: row.end_date,
    hoursPerWeek: version?.hours_per_week ?? null,
    contractType: version?.contract_type ?? null,
  };
}

export type CaseRef = { type: 'absence'; id: string } | { type: 'pregnancy'; id: string };

/** Appends one report to the case history. */
export async function appendReport(
  trx: Knex,
  actor: Actor,
  ref: CaseRef,
  kind: string,
  details: Record<string, unknown>,
): Promise<void> {
  await trx('case_reports').insert({
    absence_case_id: ref.type === 'absence' ? ref.id : null,
    pregnancy_case_id: ref.type === 'pregnancy' ? ref.id : null,
    kind,
    actor_type: actor.type,
    actor_id: actor.id,
    details: JSON.stringify(details),
  });
}

/**
 * Appends a message for the arbodienst with the next sequence number of the case. Callers hold a
 * row lock on the case, so the sequence has no gaps; the unique key catches anything else.
 */
export async function appendOutbox(
  trx: Knex,
  employerId: string,
  ref: CaseRef,
  messageKind: string,
): Promise<number> {
  // One statement: the next sequence is computed where the row is written.
  const [row] = (await trx
    .insert(
      trx
        .select(
          trx.raw('?::uuid as employer_id', [employerId]),
          trx.raw('? as case_type', [ref.type]),
          trx.raw('?::uuid as case_id', [ref.id]),
          trx.raw('coalesce(max(sequence), 0) + 1 as sequence'),
          trx.raw('? as message_kind', [messageKind]),
        )
        .from(trx('case_outbox').where({ case_id: ref.id }).as('existing')),
    )
    .into(trx.raw('case_outbox (employer_id, case_type, case_id, sequence, message_kind)'))
    .returning('sequence')) as [{ sequence: number }];
  return row.sequence;
}

/** Writes an audit event; details hold dates and kinds only, never note text. */
export async function audit(
  trx: Knex,
  actor: Actor,
  employerId: string,
  action: string,
  entity: { type: string; id: string },
  details: Record<string, unknown> = {},
): Promise<void> {
  await trx('audit_events').insert({
    actor_type: actor.type,
    actor_id: actor.id,
    employer_id: employerId,
    action,
    entity_type: entity.type,
    entity_id: entity.id,
    details: JSON.stringify(details),
  });
}

/** Stores a case-file note. The text is never logged or put in the audit trail. */
export async function insertNote(
  trx: Knex,
  actor: Actor,
  target: { employerId: string; employeeId: string; absenceCaseId?: string; pregnancyCaseId?: string },
  text: string,
): Promise<string> {
  const [row] = (await trx('casefile_notes')
    .insert({
      employer_id: target.employerId,
      employee_id: target.employeeId,
      absence_case_id: target.absenceCaseId ?? null,
      pregnancy_case_id: target.pregnancyCaseId ?? null,
      text,
      author_type: actor.type,
      author_id: actor.id,
    })
    .returning('id')) as [{ id: string }];
  return row.id;
}

interface PeriodRow {
  from_date: string;
  until_date: string | null;
  percentage: number;
}

/** Reads a case's timeline in date order. */
export async function loadTimeline(trx: Knex, caseId: string): Promise<Timeline> {
  const rows = (await trx('absence_periods').where({ case_id: caseId }).orderBy('from_date')) as PeriodRow[];
  return rows.map((r) => ({ from: r.from_date, until: r.until_date, percentage: r.percentage }));
}

/** Replaces the stored timeline by `timeline`: periods are matched by position, extra ones appended. */
export async function saveTimeline(
  trx: Knex,
  caseId: string,
  before: Timeline,
  timeline: Timeline,
): Promise<void> {
  const rows = (await trx('absence_periods')
    .where({ case_id: caseId })
    .orderBy('from_date')
    .select('id')) as Array<{
    id: number;
  }>;
  for (const [i, p] of timeline.entries()) {
    const prev = before[i];
    const values = { from_date: p.from, until_date: p.until, percentage: p.percentage };
    if (!prev) await trx('absence_periods').insert({ case_id: caseId, ...values });
    else if (prev.from !== p.from || prev.until !== p.until || prev.percentage !== p.percentage) {
      await trx('absence_periods').where({ id: rows[i]!.id }).update(values);
    }
  }
}

/**
 * What every report on a case writes in the report's own transaction: the history row, the note
 * (when given), the outbox message and the audit event.
 */
export async function recordReport(
  trx: Knex,
  actor: Actor,
  subject: CaseRef & { employerId: string; employeeId: string },
  kind: string,
  details: Record<string, unknown>,
  note: string | undefined,
): Promise<{ outboxSequence: number; warnings: string[] }> {
  const ref: CaseRef = { type: subject.type, id: subject.id };
  await appendReport(trx, actor, ref, kind, details);
  if (note) {
    const caseLink =
      subject.type === 'absence' ? { absenceCaseId: subject.id } : { pregnancyCaseId: subject.id };
    await insertNote(
      trx,
      actor,
      { employerId: subject.employerId, employeeId: subject.employeeId, ...caseLink },
      note,
    );
  }
  const outboxSequence = await appendOutbox(trx, subject.employerId, ref, kind);
  await audit(
    trx,
    actor,
    subject.employerId,
    `${subject.type}.${kind}`,
    { type: `${subject.type}_case`, id: subject.id },
    details,
  );
  return { outboxSequence, warnings: note ? [noMedicalDataWarning] : [] };
}
