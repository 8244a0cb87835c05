import { z } from 'zod';
import { defineRoute, type RouteDef } from './route.js';
import { asReporter, grantOf, scopeQuery, todayOf, useCaseOf } from './acting.js';
import {
  correctionSchema,
  otherEndSchema,
  percentageChangeSchema,
  recoverySchema,
  sickReportSchema,
} from '../absence/schemas.js';
import {
  correctCase,
  reportOtherEnd,
  reportPercentageChange,
  reportRecovery,
  reportSick,
} from '../absence/cases.js';
import { caseDossier, casesOfEmployee } from '../absence/views.js';
import { employeeSearchSchema, organisationTree, searchEmployees } from '../absence/directory.js';

const employeeParams = z.object({ employeeId: z.uuid('an employee id (UUID)') }).strict();
const caseParams = z.object({ employeeId: z.uuid(), caseId: z.uuid('a case id (UUID)') }).strict();
const onEmployee = ({ params }: { params: { employeeId: string } }) => ({ employeeId: params.employeeId });

const reportResult = z.object({
  caseId: z.string(),
  outboxSequence: z.number(),
  // Without the earlier case and count start for a role that does not see dossiers.
  samentelling: z
    .object({
      continuesCaseId: z.string().optional(),
      countStart: z.string().optional(),
      message: z.string(),
    })
    .optional(),
  warnings: z.array(z.string()),
});
const refused = {
  400: { description: 'Not valid: unknown fields (a diagnosis, a cause) are refused by name' },
  409: { description: 'Refused by a rule of the case' },
};
const noteRule = 'Notes must not contain medical data (no diagnosis, cause or nature of the illness).';

/** An absence report's answer for a role without the dossier: the earlier case it continues is left out. */
function reported<T extends { samentelling?: object | undefined }>(result: T): T {
  if (!result.samentelling) return result;
  return {
    ...result,
    samentelling: {
      message:
        "This sickness starts within 4 weeks after the employee's previous case ended, so it continues that case's count (samentelling).",
    },
  };
}

/** Employee search, organisation tree and absence reports. */
export const absenceRoutes: RouteDef[] = [
  defineRoute({
    method: 'get',
    path: '/api/v1/employees',
    summary: 'Find employees in scope by name part, first name, personnel number, birth date or department.',
    tag: 'employees',
    access: { capability: 'employees.find' },
    query: employeeSearchSchema,
    example: { query: { name: 'jan' } },
    responses: { 200: { description: 'Employees in scope (at most `limit`)' } },
    handler: async (input) => {
      const employees = await searchEmployees(
        input.ctx.store.db,
        grantOf(input).employer.id,
        scopeQuery(input),
        input.query,
        todayOf(input),
      );
      return { body: { employees } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/v1/organisation',
    summary: 'The organisation tree: employer > departments > current employees, in scope.',
    tag: 'employees',
    access: { capability: 'employees.find' },
    responses: { 200: { description: 'Tree' } },
    handler: async (input) => {
      const db = input.ctx.store.db;
      const employer = (await db('employers')
        .where({ id: grantOf(input).employer.id })
        .first('id', 'code', 'name')) as {
        id: string;
        code: string;
        name: string;
      };
      return { body: await organisationTree(db, employer, scopeQuery(input), todayOf(input)) };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/employees/:employeeId/absence-cases',
    summary: `Report an employee sick (percentage or hours not worked, classification). ${noteRule}`,
    tag: 'absence',
    access: { capability: 'absence.report', target: onEmployee },
    params: employeeParams,
    body: sickReportSchema,
    example: {
      body: {
        employmentId: '{employmentId}',
        firstSickDay: '{yesterday}',
        percentage: 100,
        classification: 'illness',
      },
    },
    responses: { 201: { description: 'Case opened', schema: reportResult }, ...refused },
    handler: async (input) => ({
      status: 201,
      body: await asReporter(
        input,
        () => reportSick(useCaseOf(input), input.params.employeeId, input.body),
        reported,
      ),
    }),
  }),
  defineRoute({
    method: 'get',
    path: '/api/v1/employees/:employeeId/absence-cases',
    summary: 'The absence cases of an employee, open and historical, with their timelines.',
    tag: 'absence',
    access: { capability: 'dossier.view', target: onEmployee },
    params: employeeParams,
    responses: { 200: { description: 'Cases, newest first' } },
    handler: async (input) => ({
      body: { cases: await casesOfEmployee(input.ctx.store.db, input.params.employeeId) },
    }),
  }),
  defineRoute({
    method: 'get',
    path: '/api/v1/employees/:employeeId/absence-cases/:caseId',
    summary:
      'One absence case: status, timeline, events, history of reports (who, when) and Poortwachter tasks.',
    tag: 'absence',
    access: { capability: 'dossier.view', target: onEmployee },
    params: caseParams,
    responses: { 200: { description: 'Case dossier' }, 404: { description: 'No such case' } },
    handler: async (input) => ({
      body: await caseDossier(
        input.ctx.store.db,
        input.params.employeeId,
        input.params.caseId,
        todayOf(input),
      ),
    }),
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/employees/:employeeId/absence-cases/:caseId/correction',
    summary: `Correct classification, first sick day or percentage, only while no partial recovery exists. ${noteRule}`,
    tag: 'absence',
    access: { capability: 'absence.report', target: onEmployee },
    params: caseParams,
    body: correctionSchema,
    example: { body: { classification: 'work_accident', safetyNet: true } },
    responses: { 200: { description: 'Corrected', schema: reportResult }, ...refused },
    handler: async (input) => ({
      body: await asReporter(
        input,
        () => correctCase(useCaseOf(input), input.params.employeeId, input.params.caseId, input.body),
        reported,
      ),
    }),
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/employees/:employeeId/absence-cases/:caseId/percentage',
    summary: `Partial recovery or relapse: a new percentage (or hours not worked) from a date. ${noteRule}`,
    tag: 'absence',
    access: { capability: 'absence.report', target: onEmployee },
    params: caseParams,
    body: percentageChangeSchema,
    example: { body: { from: '{yesterday}', percentage: 50 } },
    responses: { 200: { description: 'Recorded', schema: reportResult }, ...refused },
    handler: async (input) => ({
      body: await asReporter(
        input,
        () =>
          reportPercentageChange(useCaseOf(input), input.params.employeeId, input.params.caseId, input.body),
        reported,
      ),
    }),
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/employees/:employeeId/absence-cases/:caseId/recovery',
    summary: `Full recovery: last sick day or first day back (one of the two). ${noteRule}`,
    tag: 'absence',
    access: { capability: 'absence.report', target: onEmployee },
    params: caseParams,
    body: recoverySchema,
    example: { body: { lastSickDay: '{today}' } },
    responses: { 200: { description: 'Case ended', schema: reportResult }, ...refused },
    handler: async (input) => ({
      body: await asReporter(
        input,
        () => reportRecovery(useCaseOf(input), input.params.employeeId, input.params.caseId, input.body),
        reported,
      ),
    }),
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/employees/:employeeId/absence-cases/:caseId/end',
    summary: `End a case for another reason (out of service while sick, deceased, other). ${noteRule}`,
    tag: 'absence',
    access: { capability: 'absence.report', target: onEmployee },
    params: caseParams,
    body: otherEndSchema,
    example: { body: { lastSickDay: '{today}', reason: 'other' } },
    responses: { 200: { description: 'Case ended', schema: reportResult }, ...refused },
    handler: async (input) => ({
      body: await asReporter(
        input,
        () => reportOtherEnd(useCaseOf(input), input.params.employeeId, input.params.caseId, input.body),
        reported,
      ),
    }),
  }),
];
