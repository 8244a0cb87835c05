import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { z } from 'zod';
import { AppError } from '../errors.js';
import { isoDateSchema } from '../domain/dates.js';
import {
  poortwachterSchedule,
  type CountGap,
  taskTitles,
  taskUrgency,
  type TaskKind,
  type TaskStatus,
  type TaskUrgency,
} from '../domain/poortwachter.js';
import { inTransaction } from '../store/db.js';
import { auditEvent } from '../store/audit.js';
import type { UseCaseContext } from './records.js';

const verbs = { done: 'marked done', postpone: 'postponed', drop: 'dropped' } as const;

export interface TaskView {
  id: string;
  /** The case the task is shown with: the latest case of its count. */
  caseId: string;
  employeeId: string;
  kind: TaskKind;
  title: string;
  occurrence: number;
  week: number;
  dueDate: string;
  status: TaskStatus;
  important: boolean;
  postponedTo: string | null;
  reason: string | null;
  urgency: TaskUrgency | null;
}

/** A task someone acted on; tasks nobody touched have no row. */
interface TaskRow {
  id: string;
  case_id: string;
  kind: TaskKind;
  occurrence: number;
  due_date: string;
  status: Exclude<TaskStatus, 'closed'>;
  important: boolean;
  postponed_to: string | null;
  reason: string | null;
}

/** A count of sickness as tasks see it: its first case, start, latest case and whether that is open. */
export interface TaskCount {
  countCaseId: string;
  countStart: string;
  latestCaseId: string;
  employerId: string;
  employeeId: string;
  open: boolean;
  /** The days between the count's cases, which do not count toward its weeks. */
  gaps: CountGap[];
}

/**
 * The id of a task of a count: derived from the count's first case, the kind and the occurrence,
 * so it is the same on every read and becomes the row's id once someone acts on the task.
 */
export function taskId(countCaseId: string, kind: TaskKind, occurrence: number): string {
  const h = createHash('sha256').update(`poortwachter:${countCaseId}:${kind}:${occurrence}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x80; // version 8: a name-based id of our own
  h[8] = (h[8]! & 0x3f) | 0x80; // RFC 9562 variant
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The tasks of a count: the schedule from its start, with what was done to each task. Open and
 * postponed tasks follow the schedule (a corrected first sick day moves them) and are closed while
 * the count's latest case has ended; done and dropped tasks keep the date they had.
 */
function tasksOfCount(count: TaskCount, rows: TaskRow[], today: string): TaskView[] {
  const acted = new Map(rows.map((r) => [`${r.kind}:${r.occurrence}`, r]));
  return poortwachterSchedule(count.countStart, count.gaps).map((t) => {
    const row = acted.get(`${t.kind}:${t.occurrence}`);
    const stored = row?.status ?? 'open';
    const finished = stored === 'done' || stored === 'dropped';
    const status: TaskStatus = finished || count.open ? stored : 'closed';
    const dueDate = finished ? row!.due_date : t.dueDate;
    const actionable = status === 'open' || status === 'postponed';
    const postponedTo = row?.postponed_to ?? null;
    return {
      id: row?.id ?? taskId(count.countCaseId, t.kind, t.occurrence),
      caseId: count.latestCaseId,
      employeeId: count.employeeId,
      kind: t.kind,
      title: taskTitles[t.kind],
      occurrence: t.occurrence,
      week: t.week,
      dueDate,
      status,
      important: row?.important ?? false,
      postponedTo,
      reason: row?.reason ?? null,
      urgency: actionable ? taskUrgency(postponedTo ?? dueDate, today) : null,
    };
  });
}

// The counts of sickness with their latest case (the one no later case continues).
const countsSql = `
  select coalesce(c.count_case_id, c.id) as count_case_id, c.count_start, c.id as latest_case_id,
    c.employer_id, c.employee_id, c.status = 'open' as open
  from absence_cases c
  where not exists (select 1 from absence_cases n where n.continues_case_id = c.id)`;

interface CountRow {
  count_case_id: string;
  count_start: string;
  latest_case_id: string;
  employer_id: string;
  employee_id: string;
  open: boolean;
}

/** Restricts the counts of a task query (alias `c`: employer_id, employee_id, latest_case_id, open). */
export type CountFilter = (q: Knex.QueryBuilder) => void;

const countsQuery = (db: Knex, filter: CountFilter) => db.from(db.raw(`(${countsSql}) as c`)).modify(filter);

/** The counts that pass `filter` (alias `c`) with all their tasks, the acted-on ones read alongside. */
async function tasksWhere(
  db: Knex,
  filter: CountFilter,
  today: string,
): Promise<{ counts: TaskCount[]; tasks: TaskView[] }> {
  const [countRows, rows, gapRows] = (await Promise.all([
    countsQuery(db, filter).select('*'),
    db('poortwachter_tasks').whereIn('case_id', countsQuery(db, filter).select('c.count_case_id')),
    // Each case that continues another leaves the days between them out of the count.
    db('absence_cases as n')
      .join('absence_cases as p', 'p.id', 'n.continues_case_id')
      .whereIn('n.count_case_id', countsQuery(db, filter).select('c.count_case_id'))
      .select('n.count_case_id', 'p.last_sick_day', 'n.first_sick_day'),
  ])) as [
    CountRow[],
    TaskRow[],
    Array<{ count_case_id: string; last_sick_day: string; first_sick_day: string }>,
  ];
  const gaps = new Map<string, CountGap[]>();
  for (const g of gapRows) {
    const gap = { lastSickDay: g.last_sick_day, nextFirstSickDay: g.first_sick_day };
    const list = gaps.get(g.count_case_id);
    if (list) list.push(gap);
    else gaps.set(g.count_case_id, [gap]);
  }
  const counts: TaskCount[] = countRows.map((r) => ({
    countCaseId: r.count_case_id,
    countStart: r.count_start,
    latestCaseId: r.latest_case_id,
    employerId: r.employer_id,
    employeeId: r.employee_id,
    open: r.open,
    gaps: gaps.get(r.count_case_id) ?? [],
  }));
  const byCount = new Map<string, TaskRow[]>();
  for (const r of rows) {
    const list = byCount.get(r.case_id);
    if (list) list.push(r);
    else byCount.set(r.case_id, [r]);
  }
  return { counts, tasks: counts.flatMap((c) => tasksOfCount(c, byCount.get(c.countCaseId) ?? [], today)) };
}

/** Due date first, then kind: the order tasks are listed in. */
function byDueDate(a: TaskView, b: TaskView): number {
  return a.dueDate === b.dueDate ? a.kind.localeCompare(b.kind) : a.dueDate < b.dueDate ? -1 : 1;
}

/**
 * All tasks shown with a case, done and dropped ones included, in due-date order: the tasks of its
 * count while it is the latest case of that count, none once a later case continues it.
 */
export async function tasksOfCase(db: Knex, caseId: string, today: string): Promise<TaskView[]> {
  const { tasks } = await tasksWhere(db, (q) => q.where('c.latest_case_id', caseId), today);
  return tasks.sort(byDueDate);
}

export interface TaskGroups {
  overdue: TaskView[];
  dueNow: TaskView[];
  future: TaskView[];
}

/** The actionable tasks in scope, grouped overdue / due now / future; important ones first in each group. */
export async function groupedTasks(db: Knex, scope: CountFilter, today: string): Promise<TaskGroups> {
  const { tasks: all } = await tasksWhere(db, (q) => q.where('c.open', true).modify(scope), today);
  const tasks = all.filter((t) => t.urgency !== null);
  tasks.sort((a, b) => Number(b.important) - Number(a.important) || byDueDate(a, b));
  const groups: TaskGroups = { overdue: [], dueNow: [], future: [] };
  for (const v of tasks) {
    if (v.urgency === 'overdue') groups.overdue.push(v);
    else if (v.urgency === 'due_now') groups.dueNow.push(v);
    else groups.future.push(v);
  }
  return groups;
}

const reason = z.string().trim().min(1).max(1000);
/** What a user can do with a task. Nothing is ever deleted. */
export const taskActionSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('done') }).strict(),
  z.object({ action: z.literal('postpone'), postponeTo: isoDateSchema, reason }).strict(),
  z.object({ action: z.literal('drop'), reason }).strict(),
  z.object({ action: z.literal('flag'), important: z.boolean() }).strict(),
]);
export type TaskAction = z.infer<typeof taskActionSchema>;

/** Finds a task of the employee, with its count, or answers 404. */
async function findTask(
  db: Knex,
  employeeId: string,
  id: string,
  today: string,
): Promise<{ task: TaskView; count: TaskCount }> {
  const { counts, tasks } = await tasksWhere(db, (q) => q.where('c.employee_id', employeeId), today);
  const task = tasks.find((t) => t.id === id);
  const count = task && counts.find((c) => c.latestCaseId === task.caseId);
  if (task && count) return { task, count };
  throw new AppError('not_found', `No task ${id} for employee ${employeeId}.`);
}

/**
 * Executes, postpones, drops or flags a task of the employee; closed, done and dropped tasks only
 * take a flag. The task gets its row on the first action; the employee's cases are locked first, so
 * that two actions on one task are made one after the other.
 */
export async function actOnTask(
  ctx: UseCaseContext,
  employeeId: string,
  id: string,
  action: TaskAction,
): Promise<TaskView> {
  return inTransaction(ctx.db, async (trx) => {
    await trx('absence_cases').where({ employee_id: employeeId }).forUpdate().select('id');
    const { task, count } = await findTask(trx, employeeId, id, ctx.today);
    const actionable = task.status === 'open' || task.status === 'postponed';
    if (action.action !== 'flag' && !actionable) {
      throw new AppError(
        'conflict',
        `The task is ${task.status}; only open or postponed tasks can be ${verbs[action.action]}. Flagging is still possible.`,
      );
    }
    let change: Record<string, unknown>;
    switch (action.action) {
      case 'done':
        change = { status: 'done', done_at: trx.fn.now() };
        break;
      case 'postpone':
        if (action.postponeTo <= ctx.today) {
          throw new AppError(
            'validation_failed',
            `postponeTo ${action.postponeTo} must be after today (${ctx.today}).`,
            [{ path: 'postponeTo', message: 'not after today' }],
          );
        }
        change = { status: 'postponed', postponed_to: action.postponeTo, reason: action.reason };
        break;
      case 'drop':
        change = { status: 'dropped', reason: action.reason };
        break;
      case 'flag':
        change = { important: action.important };
        break;
    }
    await trx('poortwachter_tasks')
      .insert({
        id: task.id,
        employer_id: count.employerId,
        employee_id: employeeId,
        case_id: count.countCaseId,
        kind: task.kind,
        occurrence: task.occurrence,
        week: task.week,
        due_date: task.dueDate,
        status: task.status === 'closed' ? 'open' : task.status,
        important: task.important,
        postponed_to: task.postponedTo,
        reason: task.reason,
      })
      .onConflict('id')
      .ignore();
    // A task finished now keeps the date it has now, also when the first sick day is corrected later.
    const [row] = (await trx('poortwachter_tasks')
      .where({ id: task.id })
      .update({ ...change, due_date: task.dueDate, updated_at: trx.fn.now() })
      .returning('*')) as [TaskRow];
    await auditEvent(trx, {
      actor: ctx.actor,
      employerId: count.employerId,
      action: `task.${action.action}`,
      entity: { type: 'task', id: task.id },
      details: {
        kind: task.kind,
        ...(action.action === 'postpone' ? { postponeTo: action.postponeTo } : {}),
      },
    });
    return tasksOfCount(count, [row], ctx.today).find((t) => t.id === row.id)!;
  });
}
