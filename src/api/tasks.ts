import { z } from 'zod';
import { defineRoute, type RouteDef } from './route.js';
import { grantOf, scopeQuery, todayOf, useCaseOf } from './acting.js';
import { actOnTask, groupedTasks, taskActionSchema } from '../absence/tasks.js';
import { addNote, notesOfEmployee } from '../absence/casefile.js';
import { noteInputSchema } from '../absence/schemas.js';
import { noMedicalDataWarning } from '../absence/records.js';

const employeeParams = z.object({ employeeId: z.uuid('an employee id (UUID)') }).strict();
const onEmployee = ({ params }: { params: { employeeId: string } }) => ({ employeeId: params.employeeId });

/** Poortwachter tasks in scope and the notes of the case file. */
export const taskRoutes: RouteDef[] = [
  defineRoute({
    method: 'get',
    path: '/api/v1/tasks',
    summary: 'Open Poortwachter tasks in scope, grouped overdue (red), due now (yellow) and future (black).',
    tag: 'tasks',
    access: { capability: 'tasks.use' },
    responses: { 200: { description: 'Tasks by group; important tasks first within a group' } },
    handler: async (input) => {
      const employerId = grantOf(input).employer.id;
      const inScope = scopeQuery(input);
      const groups = await groupedTasks(
        input.ctx.store.db,
        (q) => q.where('c.employer_id', employerId).whereIn('c.employee_id', inScope),
        todayOf(input),
      );
      return { body: groups };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/employees/:employeeId/tasks/:taskId',
    summary:
      'Act on a task: done, postpone to a date with a reason, drop with a reason, or flag as important.',
    tag: 'tasks',
    access: { capability: 'tasks.use', target: onEmployee },
    params: z.object({ employeeId: z.uuid(), taskId: z.uuid('a task id (UUID)') }).strict(),
    body: taskActionSchema,
    example: { body: { action: 'flag', important: true } },
    responses: { 200: { description: 'The task after the action' }, 409: { description: 'Not actionable' } },
    handler: async (input) => {
      const { employeeId, taskId } = input.params;
      return { body: { task: await actOnTask(useCaseOf(input), employeeId, taskId, input.body) } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/v1/employees/:employeeId/notes',
    summary: 'The notes of the case file (contact moments), newest first.',
    tag: 'casefile',
    access: { capability: 'dossier.view', target: onEmployee },
    params: employeeParams,
    responses: { 200: { description: 'Notes' } },
    handler: async (input) => ({
      body: {
        notes: await notesOfEmployee(input.ctx.store.db, input.params.employeeId),
        warnings: [noMedicalDataWarning],
      },
    }),
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/employees/:employeeId/notes',
    summary:
      'Add a note to the case file. No medical data: never a diagnosis, cause, symptoms or nature of the illness.',
    tag: 'casefile',
    access: { capability: 'casefile.write', target: onEmployee },
    params: employeeParams,
    body: noteInputSchema,
    example: { body: { text: 'Spoke with the employee about adjusted work.' } },
    responses: {
      201: { description: 'Note stored; the response repeats the no-medical-data rule in warnings' },
    },
    handler: async (input) => ({
      status: 201,
      body: await addNote(useCaseOf(input), input.params.employeeId, input.body),
    }),
  }),
];
