import type { Knex } from 'knex';
import { AppError } from '../errors.js';
import type { Timeline } from '../domain/absence.js';
import { correctionAllowed } from '../domain/absence.js';
import { loadTimeline } from './records.js';
import { tasksOfCase, type TaskView } from './tasks.js';
import type { CaseRow } from './case-store.js';

export interface CaseEventView {
  kind: string;
  eventDate: string;
  recordedAt: string;
}

export interface AbsenceCaseView {
  id: string;
  employeeId: string;
  employmentId: string;
  status: 'open' | 'ended';
  firstSickDay: string;
  countStart: string;
  continuesCaseId: string | null;
  classification: string;
  safetyNet: boolean;
  lastSickDay: string | null;
  endKind: string | null;
  endReason: string | null;
  currentPercentage: number | null;
  correctionAllowed: boolean;
  timeline: Timeline;
  events: CaseEventView[];
}

async function caseEvents(db: Knex, caseId: string): Promise<CaseEventView[]> {
  const rows = (await db('case_events').where({ absence_case_id: caseId }).orderBy('recorded_at')) as Array<{
    kind: string;
    event_date: string;
    recorded_at: Date;
  }>;
  return rows.map((r) => ({
    kind: r.kind,
    eventDate: r.event_date,
    recordedAt: new Date(r.recorded_at).toISOString(),
  }));
}

async function toView(db: Knex, c: CaseRow): Promise<AbsenceCaseView> {
  const timeline = await loadTimeline(db, c.id);
  const last = timeline.at(-1);
  return {
    id: c.id,
    employeeId: c.employee_id,
    employmentId: c.employment_id,
    status: c.status,
    firstSickDay: c.first_sick_day,
    countStart: c.count_start,
    continuesCaseId: c.continues_case_id,
    classification: c.classification,
    safetyNet: c.safety_net,
    lastSickDay: c.last_sick_day,
    endKind: c.end_kind,
    endReason: c.end_reason,
    currentPercentage: c.status === 'open' && last ? last.percentage : null,
    correctionAllowed: c.status === 'open' && correctionAllowed(timeline),
    timeline,
    events: await caseEvents(db, c.id),
  };
}

/** All absence cases of an employee, newest first: the open one and the historical ones. */
export async function casesOfEmployee(db: Knex, employeeId: string): Promise<AbsenceCaseView[]> {
  const rows = (await db('absence_cases')
    .where({ employee_id: employeeId })
    .orderBy('first_sick_day', 'desc')) as CaseRow[];
  const views: AbsenceCaseView[] = [];
  for (const r of rows) views.push(await toView(db, r));
  return views;
}

/** One case of an employee with its timeline, or 404. */
export async function caseOfEmployee(db: Knex, employeeId: string, caseId: string): Promise<AbsenceCaseView> {
  const row = (await db('absence_cases').where({ id: caseId, employee_id: employeeId }).first()) as
    CaseRow | undefined;
  if (!row) throw new AppError('not_found', `No absence case ${caseId} for employee ${employeeId}.`);
  return toView(db, row);
}

export interface ReportView {
  kind: string;
  reportedAt: string;
  actorType: string;
  actorId: string;
  details: Record<string, unknown>;
}

/** The history of reports on a case: what, when and by whom, oldest first. */
export async function caseHistory(
  db: Knex,
  ref: { absenceCaseId?: string; pregnancyCaseId?: string },
): Promise<ReportView[]> {
  const rows = (await db('case_reports')
    .where(
      ref.absenceCaseId
        ? { absence_case_id: ref.absenceCaseId }
        : { pregnancy_case_id: ref.pregnancyCaseId! },
    )
    .orderBy('id')) as Array<{
    kind: string;
    reported_at: Date;
    actor_type: string;
    actor_id: string;
    details: Record<string, unknown> | string;
  }>;
  return rows.map((r) => ({
    kind: r.kind,
    reportedAt: new Date(r.reported_at).toISOString(),
    actorType: r.actor_type,
    actorId: r.actor_id,
    details: typeof r.details === 'string' ? (JSON.parse(r.details) as Record<string, unknown>) : r.details,
  }));
}

/** A case with its history and tasks: what the dossier shows. */
export async function caseDossier(
  db: Knex,
  employeeId: string,
  caseId: string,
  today: string,
): Promise<{ case: AbsenceCaseView; history: ReportView[]; tasks: TaskView[] }> {
  const c = await caseOfEmployee(db, employeeId, caseId);
  return {
    case: c,
    history: await caseHistory(db, { absenceCaseId: caseId }),
    tasks: await tasksOfCase(db, caseId, today),
  };
}
