import type { Knex } from 'knex';
import { AppError } from '../errors.js';
import type { PreviousCase, Timeline } from '../domain/absence.js';
import type { WriteBatch } from '../store/batch.js';
import { prepared } from '../store/db.js';
import { auditEvent } from '../store/audit.js';

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
  /** The configured time zone, for the days of stored moments; default Europe/Amsterdam. */
  timeZone?: string;
  /**
   * False for a role that may report but not view dossiers: nothing it is answered may tell what the
   * case holds (see `withoutDossierFacts`). Undefined means the caller sees the dossier.
   */
  seesDossier?: boolean;
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
  /** The open absence case of this employment, if any. */
  openAbsenceCase: { id: string; firstSickDay: string } | null;
  /** The employee's latest ended absence case with the first case of its count, for samentelling. */
  previousCase: (PreviousCase & { countCaseId: string }) | undefined;
}

/** Finds the employee or answers 404. */
export async function requireEmployee(
  trx: Knex,
  employeeId: string,
): Promise<{ id: string; employerId: string }> {
  const row = (await trx('employees').where({ id: employeeId }).first('id', 'employer_id')) as
    { id: string; employer_id: string } | undefined;
  if (!row) throw notAnEmployee(employeeId);
  return { id: row.id, employerId: row.employer_id };
}

const notAnEmployee = (employeeId: string) => new AppError('not_found', `No employee with id ${employeeId}.`);

interface EmploymentRow {
  id: string | null;
  employer_id: string;
  start_date: string;
  end_date: string | null;
  hours_per_week: number | null;
  contract_type: 'B' | 'O' | null;
  open_case: { id: string; first_sick_day: string } | null;
  previous_case: {
    id: string;
    count_case_id: string;
    count_start: string;
    first_sick_day: string;
    last_sick_day: string;
    continuable: boolean;
  } | null;
}

const previousColumns = `c.id, coalesce(c.count_case_id, c.id) as count_case_id, c.count_start, c.first_sick_day,
        c.last_sick_day`;

// For a new report: the employee's latest ended case.
const previousSql = `
      select ${previousColumns},
        not exists (select 1 from absence_cases n where n.continues_case_id = c.id and n.id is distinct from ?::uuid)
          as continuable
      from absence_cases c
      where c.employee_id = e.id and c.status = 'ended'
      order by c.last_sick_day desc limit 1`;

// For a correction of case k: the case that was previous when k was reported, the latest other ended
// case whose last sick day is before k's stored first sick day. A case that ended later (one that
// was still open beside k, or k itself) is not. A first sick day moved onto or before the previous
// case's last sick day still overlaps it and is refused.
const previousOfCorrectedSql = `
      select ${previousColumns},
        not exists (select 1 from absence_cases n where n.continues_case_id = c.id and n.id <> k.id)
          as continuable
      from (select id, first_sick_day from absence_cases where id = ?::uuid) k
      join absence_cases c on c.employee_id = e.id and c.status = 'ended' and c.id <> k.id
        and c.last_sick_day < k.first_sick_day
      order by c.last_sick_day desc limit 1`;

// One query: the employee (404 when absent), its employments newest first with the contract terms
// valid on the day, each employment's open case, and the employee's latest ended case, with whether
// another case continues it already (a count of sickness goes on in one case at a time: two
// employments sick again within four weeks do not both continue it).
const employmentsSql = (oneEmployment: boolean, correcting: boolean) => `
  select em.id, em.employer_id, em.start_date, em.end_date, v.hours_per_week, v.contract_type,
    (select json_build_object('id', c.id, 'first_sick_day', c.first_sick_day) from absence_cases c
      where c.employment_id = em.id and c.status = 'open') as open_case,
    (select row_to_json(p) from (${correcting ? previousOfCorrectedSql : previousSql}) p)
      as previous_case
  from employees e
  left join employments em on em.employee_id = e.id${oneEmployment ? ' and em.id = ?' : ''}
  left join lateral (
    select hours_per_week, contract_type from employment_versions ev
    where ev.employment_id = em.id and ev.valid_from <= ? and (ev.valid_to is null or ev.valid_to >= ?)
    limit 1) v on true
  where e.id = ?
  order by em.start_date desc`;

/**
 * The employment a report is about: the one given, or the only employment covering `day`. An
 * employee with two employments on that day must say which. Answers 404 for an unknown employee.
 */
export async function employmentFor(
  trx: Knex,
  employeeId: string,
  employmentId: string | undefined,
  day: string,
  /**
   * The case being corrected: its previous case is the one it was reported after (ended before its
   * stored first sick day), and the case it continues is still continuable by it.
   */
  correcting?: string,
): Promise<EmploymentOnDay> {
  const except = correcting ?? null;
  const bindings = employmentId
    ? [except, employmentId, day, day, employeeId]
    : [except, day, day, employeeId];
  const result = await prepared(
    trx,
    employmentsSql(employmentId !== undefined, correcting !== undefined),
    bindings,
  );
  const all = result.rows as EmploymentRow[];
  if (all.length === 0) throw notAnEmployee(employeeId);
  const rows = all.filter((r) => r.id !== null);
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
  const previous = row.previous_case;
  return {
    id: row.id!,
    employerId: row.employer_id,
    employeeId,
    startDate: row.start_date,
    endDate: row.end_date,
    hoursPerWeek: row.hours_per_week,
    contractType: row.contract_type,
    openAbsenceCase: row.open_case && { id: row.open_case.id, firstSickDay: row.open_case.first_sick_day },
    previousCase: previous
      ? {
          id: previous.id,
          countCaseId: previous.count_case_id,
          countStart: previous.count_start,
          firstSickDay: previous.first_sick_day,
          lastSickDay: previous.last_sick_day,
          continuable: previous.continuable,
        }
      : undefined,
  };
}

export type CaseRef = { type: 'absence'; id: string } | { type: 'pregnancy'; id: string };

/** The history row of one report. */
function reportRow(db: Knex, actor: Actor, ref: CaseRef, kind: string, details: Record<string, unknown>) {
  return db.raw(
    `insert into case_reports (absence_case_id, pregnancy_case_id, kind, actor_type, actor_id, details)
     values (?::uuid, ?::uuid, ?, ?, ?, ?::jsonb)`,
    [
      ref.type === 'absence' ? ref.id : null,
      ref.type === 'pregnancy' ? ref.id : null,
      kind,
      actor.type,
      actor.id,
      JSON.stringify(details),
    ],
  );
}

/**
 * The message for the arbodienst with the next sequence number of the case, computed where the row
 * is written. Reports on an absence case are guarded by its version (or create it), pregnancy reports
 * hold a row lock, so the sequence has no gaps; the unique key catches anything else.
 */
function outboxRow(db: Knex, employerId: string, ref: CaseRef, messageKind: string) {
  return db.raw(
    `insert into case_outbox (employer_id, case_type, case_id, sequence, message_kind)
     select ?::uuid, ?, ?::uuid, coalesce(max(sequence), 0) + 1, ? from case_outbox where case_id = ?::uuid
     returning sequence`,
    [employerId, ref.type, ref.id, messageKind, ref.id],
  );
}

/** A case-file note (answering its id), to await or to add to a batch. The text is never logged. */
export function insertNote(
  db: Knex,
  actor: Actor,
  target: { employerId: string; employeeId: string; absenceCaseId?: string; pregnancyCaseId?: string },
  text: string,
) {
  return db('casefile_notes')
    .insert({
      employer_id: target.employerId,
      employee_id: target.employeeId,
      absence_case_id: target.absenceCaseId ?? null,
      pregnancy_case_id: target.pregnancyCaseId ?? null,
      text,
      author_type: actor.type,
      author_id: actor.id,
    })
    .returning('id');
}

interface PeriodRow {
  id: number;
  from_date: string;
  until_date: string | null;
  percentage: number;
}

/** A stored timeline: the periods in date order and their row ids, position by position. */
export interface StoredTimeline {
  timeline: Timeline;
  periodIds: number[];
}

export function toStoredTimeline(rows: PeriodRow[]): StoredTimeline {
  return {
    timeline: rows.map((r) => ({ from: r.from_date, until: r.until_date, percentage: r.percentage })),
    periodIds: rows.map((r) => r.id),
  };
}

/** Reads a case's timeline in date order. */
export async function loadTimeline(db: Knex, caseId: string): Promise<Timeline> {
  const rows = (await db('absence_periods').where({ case_id: caseId }).orderBy('from_date')) as PeriodRow[];
  return toStoredTimeline(rows).timeline;
}

/**
 * Adds the writes that turn the stored timeline into `timeline` to the batch: periods are matched
 * by position, changed ones updated, extra ones appended.
 */
export function saveTimeline(
  batch: WriteBatch,
  db: Knex,
  caseId: string,
  before: StoredTimeline,
  timeline: Timeline,
): void {
  for (const [i, p] of timeline.entries()) {
    const prev = before.timeline[i];
    const values = [p.from, p.until, p.percentage];
    if (!prev) {
      batch.add(
        db.raw(
          'insert into absence_periods (case_id, from_date, until_date, percentage) values (?::uuid, ?::date, ?::date, ?::integer)',
          [caseId, ...values],
        ),
      );
    } else if (prev.from !== p.from || prev.until !== p.until || prev.percentage !== p.percentage) {
      batch.add(
        db.raw(
          'update absence_periods set from_date = ?::date, until_date = ?::date, percentage = ?::integer where id = ?',
          [...values, before.periodIds[i]!],
        ),
      );
    }
  }
}

/**
 * Sends a report: the case's own writes already in the batch, then what every report writes, the
 * history row, the note (when given), the outbox message and the audit event; all in one statement.
 */
export async function recordReport(
  db: Knex,
  batch: WriteBatch,
  actor: Actor,
  subject: CaseRef & { employerId: string; employeeId: string },
  kind: string,
  details: Record<string, unknown>,
  note: string | undefined,
): Promise<{ outboxSequence: number; warnings: string[] }> {
  const ref: CaseRef = { type: subject.type, id: subject.id };
  batch.add(reportRow(db, actor, ref, kind, details));
  if (note) {
    const caseLink =
      subject.type === 'absence' ? { absenceCaseId: subject.id } : { pregnancyCaseId: subject.id };
    batch.add(
      insertNote(
        db,
        actor,
        { employerId: subject.employerId, employeeId: subject.employeeId, ...caseLink },
        note,
      ),
    );
  }
  batch.add(outboxRow(db, subject.employerId, ref, kind), { result: true });
  batch.add(
    auditEvent(db, {
      actor,
      employerId: subject.employerId,
      action: `${subject.type}.${kind}`,
      entity: { type: `${subject.type}_case`, id: subject.id },
      details,
    }),
  );
  const [row] = await batch.run<{ sequence: number }>(db);
  return { outboxSequence: row!.sequence, warnings: note ? [noMedicalDataWarning] : [] };
}
