import { z } from 'zod';
import { defineRoute, type RouteDef } from './route.js';
import { asReporter, useCaseOf } from './acting.js';
import {
  deliverySchema,
  pregnancyCorrectionSchema,
  pregnancyEndSchema,
  pregnancyReportSchema,
} from '../absence/schemas.js';
import {
  correctPregnancy,
  endPregnancy,
  pregnanciesOfEmployee,
  reportDelivery,
  reportPregnancy,
  reportedPregnancy,
} from '../absence/pregnancy.js';
import { caseHistory } from '../absence/views.js';

const employeeParams = z.object({ employeeId: z.uuid('an employee id (UUID)') }).strict();
const pregnancyParams = z
  .object({ employeeId: z.uuid(), pregnancyId: z.uuid('a pregnancy case id (UUID)') })
  .strict();
const onEmployee = ({ params }: { params: { employeeId: string } }) => ({ employeeId: params.employeeId });
const refused = {
  400: { description: 'Not valid, or a last working day outside the leave window' },
  409: { description: 'Refused by a rule of the case' },
};
const noteRule = 'Notes must not contain medical data.';

/** Pregnancy reports with the WAZO leave window. */
export const pregnancyRoutes: RouteDef[] = [
  defineRoute({
    method: 'post',
    path: '/api/v1/employees/:employeeId/pregnancies',
    summary: `Report a pregnancy: expected date, multiple birth, last working day; the leave is computed. ${noteRule}`,
    tag: 'pregnancy',
    access: { capability: 'pregnancy.report', target: onEmployee },
    params: employeeParams,
    body: pregnancyReportSchema,
    example: {
      body: {
        employmentId: '{employmentId}',
        expectedDate: '2027-06-01',
        multiple: false,
        lastWorkingDay: '2027-04-20',
      },
    },
    responses: { 201: { description: 'Pregnancy case opened' }, ...refused },
    handler: async (input) => ({
      status: 201,
      body: await asReporter(
        input,
        () => reportPregnancy(useCaseOf(input), input.params.employeeId, input.body),
        reportedPregnancy,
      ),
    }),
  }),
  defineRoute({
    method: 'get',
    path: '/api/v1/employees/:employeeId/pregnancies',
    summary: 'The pregnancy cases of an employee with their leave dates and history.',
    tag: 'pregnancy',
    access: { capability: 'dossier.view', target: onEmployee },
    params: employeeParams,
    responses: { 200: { description: 'Pregnancy cases, newest first' } },
    handler: async (input) => {
      const db = input.ctx.store.db;
      const pregnancies = await pregnanciesOfEmployee(db, input.params.employeeId);
      const withHistory = [];
      for (const p of pregnancies)
        withHistory.push({ ...p, history: await caseHistory(db, { pregnancyCaseId: p.id }) });
      return { body: { pregnancies: withHistory } };
    },
  }),
  ...(
    [
      [
        'correction',
        'Correct expected date, multiple birth or last working day; the leave is computed again.',
        pregnancyCorrectionSchema,
        correctPregnancy,
        { lastWorkingDay: '{pregnancyLastWorkingDay}' },
      ],
      [
        'delivery',
        'Record the actual delivery date; the end of the leave is computed again.',
        deliverySchema,
        reportDelivery,
        { actualDeliveryDate: '{today}' },
      ],
      [
        'end',
        'End the pregnancy case early, with a reason.',
        pregnancyEndSchema,
        endPregnancy,
        { endDate: '{today}', reason: 'other' },
      ],
    ] as const
  ).map(([action, summary, body, run, example]) =>
    defineRoute({
      method: 'post',
      path: `/api/v1/employees/:employeeId/pregnancies/:pregnancyId/${action}`,
      summary: `${summary} ${noteRule}`,
      tag: 'pregnancy',
      access: { capability: 'pregnancy.report', target: onEmployee },
      params: pregnancyParams,
      body: body as z.ZodType<Parameters<typeof run>[3]>,
      example: { body: example },
      responses: { 200: { description: 'Recorded' }, ...refused },
      handler: async (input) => ({
        // The body was parsed by the schema paired with `run` above; TypeScript cannot tie the pair.
        body: await asReporter(
          input,
          () => run(useCaseOf(input), input.params.employeeId, input.params.pregnancyId, input.body as never),
          reportedPregnancy,
        ),
      }),
    }),
  ),
];
