import type { Knex } from 'knex';
import { z } from 'zod';
import { AppError } from '../errors.js';
import { isoDateSchema } from '../domain/dates.js';
import {
  poortwachterSchedule,
  taskTitles,
  taskUrgency,
  type TaskKind,
  type TaskStatus,
  type TaskUrgency,
} from '../domain/poortwachter.js';
import { inTransaction } from '../store/db.js';
import type { WriteBatch } from '../store/batch.js';
import { audit, type UseCaseContext } from './records.js';

const verbs = { done: 'marked done', postpone: 'postponed', drop: 'dropped' } as const;

interface CaseForTasks {
  id: string;
  employerId: string;
  employeeId: string;
  countStart: string;
}

/** The Poortwachter tasks of a new case that does not continue an earlier one, as one insert. */
export function scheduleTasks(db: Knex, c: CaseForTasks) {
  const tasks = poortwachterSchedule(c.countStart).map((t) => ({
    kind: t.kind,
    occurrence: t.occurrence,
    week: t.week,
    due_date: t.dueDate,
  }));
  return db.raw(
    `insert into poortwachter_tasks (employer_id, employee_id, case_id, kind, occurrence, week, due_date)
     select ?::uuid, ?::uuid, ?::uuid, t.kind, t.occurrence, t.week, t.due_date
     from json_to_recordset(?::json) as t(kind text, occurrence integer, week integer, due_date date)`,
    [c.employerId, c.employeeId, c.id, JSON.stringify(tasks)],
  );
}

/** After a correction of the first sick day: moves the due dates of tasks not yet done or dropped. */
export function recomputeTasks(batch: WriteBatch, db: Knex, caseId: string, countStart: string): void {
  for (const t of poortwachterSchedule(countStart)) {
    batch.add(
      db('poortwachter_tasks')
        .where({ case_id: caseId, kind: t.kind, occurrence: t.occurrence })
        .whereIn('status', ['open', 'postponed', 'closed'])
        .update({ due_date: t.dueDate, updated_at: db.fn.now() }),
    );
  }
}

/** Closes the actionable tasks of an ending case, remembering their status for a samentelling. */
export function closeTasks(db: Knex, caseId: string) {
  return db('poortwachter_tasks')
    .where({ case_id: caseId })
    .whereIn('status', ['open', 'postponed'])
    .update({ status_before_close: db.raw('status'), status: 'closed', updated_at: db.fn.now() });
}

/** Samentelling: the tasks of the continued case move to the new case, closed ones reopen as they were. */
export function reopenTasks(db: Knex, fromCaseId: string, toCaseId: string) {
  return db('poortwachter_tasks')
    .where({ case_id: fromCaseId })
    .update({
      status: db.raw(`case when status = 'closed' then status_before_close else status end`),
      status_before_close: db.raw(`case when status = 'closed' then null else status_before_close end`),
      case_id: toCaseId,
      updated_at: db.fn.now(),
    });
}

export interface TaskView {
  id: string;
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

interface TaskRow {
  id: string;
  case_id: string;
  employee_id: string;
  kind: TaskKind;
  occurrence: number;
  week: number;
  due_date: string;
  status: TaskStatus;
  important: boolean;
  postponed_to: string | null;
  reason: string | null;
}

function toView(r: TaskRow, today: string): TaskView {
  const actionable = r.status === 'open' || r.status === 'postponed';
  return {
    id: r.id,
    caseId: r.case_id,
    employeeId: r.employee_id,
    kind: r.kind,
    title: taskTitles[r.kind],
    occurrence: r.occurrence,
    week: r.week,
    dueDate: r.due_date,
    status: r.status,
    important: r.important,
    postponedTo: r.postponed_to,
    reason: r.reason,
    urgency: actionable ? taskUrgency(r.postponed_to ?? r.due_date, today) : null,
  };
}

/** All tasks of a case, done and dropped ones included, in due-date order. */
export async function tasksOfCase(db: Knex, caseId: string, today: string): Promise<TaskView[]> {
  const rows = (await db('poortwachter_tasks')
    .where({ case_id: caseId })
    .orderBy(['due_date', 'kind'])) as TaskRow[];
  return rows.map((r) => toView(r, today));
}

/** Restricts a task query to what a caller may see; built by the API from the caller's scope. */
export type TaskScope = (q: Knex.QueryBuilder) => void;

export interface TaskGroups {
  overdue: TaskView[];
  dueNow: TaskView[];
  future: TaskView[];
}

/** The actionable tasks in scope, grouped overdue / due now / future; important ones first in each group. */
export async function groupedTasks(db: Knex, scope: TaskScope, today: string): Promise<TaskGroups> {
  const rows = (await db('poortwachter_tasks as t')
    .whereIn('t.status', ['open', 'postponed'])
    .modify(scope)
    .select('t.*')
    .orderBy([{ column: 't.important', order: 'desc' }, 't.due_date', 't.kind'])) as TaskRow[];
  const groups: TaskGroups = { overdue: [], dueNow: [], future: [] };
  for (const r of rows) {
    const v = toView(r, today);
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

/** Finds a task's employee (for the scope check) or answers 404. */
export async function taskOwner(
  db: Knex,
  taskId: string,
): Promise<{ employeeId: string; employerId: string }> {
  const row = (await db('poortwachter_tasks').where({ id: taskId }).first('employee_id', 'employer_id')) as
    { employee_id: string; employer_id: string } | undefined;
  if (!row) throw new AppError('not_found', `No task with id ${taskId}.`);
  return { employeeId: row.employee_id, employerId: row.employer_id };
}

/** Executes, postpones, drops or flags a task; closed, done and dropped tasks only take a flag. */
export async function actOnTask(ctx: UseCaseContext, taskId: string, action: TaskAction): Promise<TaskView> {
  return inTransaction(ctx.db, async (trx) => {
    const row = (await trx('poortwachter_tasks').where({ id: taskId }).forUpdate().first()) as
      (TaskRow & { employer_id: string }) | undefined;
    if (!row) throw new AppError('not_found', `No task with id ${taskId}.`);
    const actionable = row.status === 'open' || row.status === 'postponed';
    if (action.action !== 'flag' && !actionable) {
      throw new AppError(
        'conflict',
        `The task is ${row.status}; only open or postponed tasks can be ${verbs[action.action]}. Flagging is still possible.`,
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
    const [updated] = (await trx('poortwachter_tasks')
      .where({ id: taskId })
      .update({ ...change, updated_at: trx.fn.now() })
      .returning('*')) as [TaskRow];
    await audit(
      trx,
      ctx.actor,
      row.employer_id,
      `task.${action.action}`,
      { type: 'task', id: taskId },
      {
        kind: row.kind,
        ...(action.action === 'postpone' ? { postponeTo: action.postponeTo } : {}),
      },
    );
    return toView(updated, ctx.today);
  });
}
