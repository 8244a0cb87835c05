import { z } from 'zod';
import { AppError } from '../errors.js';
import { isoDateSchema, todayIn } from '../domain/dates.js';
import { contractTypes, employeeSchema } from '../domain/employee.js';
import { vaultFieldsSchema } from '../vault/fields.js';
import { createEmployee, updateEmployee } from '../store/employees.js';
import { createEmployment, editEmployment, listEmployments } from '../store/employments.js';
import {
  createDepartment,
  editDepartment,
  listDepartments,
  setDepartmentArchived,
} from '../store/departments.js';
import { departmentIdsInScope } from '../store/scope.js';
import { inTransaction } from '../store/db.js';
import { nestFieldError, ruleIssue } from '../store/errors.js';
import { recordEmploymentsEnded } from '../absence/sync-events.js';
import { todayOf } from './acting.js';
import { nowOf } from './context.js';
import { defineRoute, type AccessTarget, type RouteDef, type RouteInput } from './route.js';
import { requestLanguage } from './language.js';
import { t } from '../auth/messages.js';

const employeeParams = z.object({ employeeId: z.uuid('an employee id (UUID)') }).strict();
const employmentParams = z.object({ employmentId: z.uuid('an employment id (UUID)') }).strict();
const departmentParams = z.object({ departmentId: z.uuid('a department id (UUID)') }).strict();

// Hand edits never set the sync's own bookkeeping (source system, remote id).
const employeeFields = employeeSchema.omit({ sourceSystem: true, remoteId: true });

const employeeEditBody = employeeFields
  .partial()
  .extend({ inService: z.boolean().optional(), vault: vaultFieldsSchema.optional() })
  .strict();

const termsSchema = z
  .object({
    departmentId: z.uuid().nullable().optional(),
    functionCode: z.string().trim().max(15).nullable().optional(),
    functionName: z.string().trim().max(35).nullable().optional(),
    contractType: z.enum(contractTypes).nullable().optional(),
    hoursPerWeek: z.number().min(0).max(80).nullable().optional(),
    normalHoursPerWeek: z.number().min(0).max(80).nullable().optional(),
    noRiskPolicy: z.boolean().optional(),
  })
  .strict();

const employmentCreateBody = z
  .object({
    externalId: z.string().trim().min(1).max(40),
    startDate: isoDateSchema,
    endDate: isoDateSchema.optional(),
    terms: termsSchema.default({}),
  })
  .strict()
  .refine((b) => b.endDate === undefined || b.endDate >= b.startDate, {
    message: ruleIssue('employments_end_after_start').message,
    path: ['endDate'],
  });

const employeeCreateBody = employeeFields
  .extend({ vault: vaultFieldsSchema.optional(), employment: employmentCreateBody.optional() })
  .strict();

const employmentEditBody = z
  .object({
    mode: z.enum(['correct', 'change']),
    from: isoDateSchema.optional(),
    endDate: isoDateSchema.nullable().optional(),
    terms: termsSchema.default({}),
  })
  .strict()
  .refine((b) => b.mode === 'correct' || b.from !== undefined, {
    message: 'a change needs the date it takes effect (from)',
    path: ['from'],
  });

const departmentCreateBody = z
  .object({
    code: z.string().trim().min(1).max(70),
    name: z.string().trim().min(1).max(100),
    parentId: z.uuid().optional(),
  })
  .strict();
const departmentEditBody = z
  .object({ name: z.string().trim().min(1).max(100).optional(), parentId: z.uuid().nullable().optional() })
  .strict();

function employerIdOf(input: RouteInput<unknown, unknown, unknown>): string {
  if (!input.acting) throw new AppError('internal', 'Employer route without an employer grant.');
  return input.acting.employer.id;
}

/**
 * A department at the top of the tree is outside every department scope: only a user who sees the
 * whole employer adds one or moves one there (a department's superuser would lose sight of it).
 */
function assertTopLevelAllowed(input: RouteInput<unknown, unknown, unknown>): void {
  if (input.acting && input.acting.scope.kind !== 'employer') {
    throw new AppError('forbidden', t(requestLanguage(input.req), 'scopeTooWide'), {
      reason: 'a department at the top of the tree is outside your scope; give a parentId within it',
    });
  }
}

/**
 * An employee without an employment in a department is outside every department or employee scope:
 * a user with such a scope adds one with its first employment in a department they see (else they
 * would lose sight of it at once).
 */
function assertPlacedInScope(
  input: RouteInput<unknown, unknown, unknown>,
  employment: { terms: { departmentId?: string | null | undefined } } | undefined,
): void {
  if (input.acting && input.acting.scope.kind !== 'employer' && !employment?.terms.departmentId) {
    throw new AppError('forbidden', t(requestLanguage(input.req), 'scopeTooWide'), {
      reason:
        'an employee without an employment in a department is outside your scope; give employment.terms.departmentId within it',
    });
  }
}

/** The department named in terms, checked by the authorization layer like the route's own target. */
function termsDepartment(terms: { departmentId?: string | null | undefined }): AccessTarget[] {
  return terms.departmentId ? [{ departmentId: terms.departmentId }] : [];
}

/** Hand edits of employees, employments and departments for employers without an HR link. */
export const masterdataRoutes: RouteDef[] = [
  defineRoute({
    method: 'post',
    path: '/api/v1/employees',
    summary:
      'Adds an employee (clear fields; BSN and NAW data go into the vault), with its first employment when given.',
    tag: 'masterdata',
    access: {
      capability: 'masterdata.edit',
      target: ({ body }) => termsDepartment(body.employment?.terms ?? {}),
    },
    body: employeeCreateBody,
    example: {
      body: {
        personnelNumber: 'P-{unique}',
        lastName: 'Bakker',
        vault: { bsn: '999996708' },
        employment: {
          externalId: 'E-{unique}',
          startDate: '2024-01-01',
          terms: { departmentId: '{departmentId}' },
        },
      },
    },
    responses: { 201: { description: 'Created' } },
    handler: async (input) => {
      const { vault, employment, ...fields } = input.body;
      assertPlacedInScope(input, employment);
      const employerId = employerIdOf(input);
      const ids = await inTransaction(input.ctx.store.db, async (trx) => {
        const e = await createEmployee(trx, input.ctx.vault, employerId, fields, vault ?? {});
        const employmentId =
          employment &&
          (await createEmployment(trx, input.ctx.vault, employerId, e.id, employment, {
            field: 'employment.externalId',
            ownBsn: vault?.bsn,
          }).catch((err: unknown) => {
            throw nestFieldError(err, 'employment');
          }));
        return { id: e.id, ...(employmentId ? { employmentId } : {}) };
      });
      return { status: 201, body: ids };
    },
  }),
  defineRoute({
    method: 'patch',
    path: '/api/v1/employees/:employeeId',
    summary: 'Changes an employee; `vault` replaces the vault record as a whole.',
    tag: 'masterdata',
    access: { capability: 'masterdata.edit', target: ({ params }) => ({ employeeId: params.employeeId }) },
    params: employeeParams,
    body: employeeEditBody,
    example: { body: { firstName: 'Sanne' } },
    responses: { 204: { description: 'Changed' } },
    handler: async (input) => {
      const { vault, ...fields } = input.body;
      await updateEmployee(
        input.ctx.store.db,
        input.ctx.vault,
        employerIdOf(input),
        input.params.employeeId,
        fields,
        vault,
      );
      return { status: 204 };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/v1/employees/:employeeId/employments',
    summary: 'Employments of an employee with their history of versions.',
    tag: 'masterdata',
    access: { capability: 'dossier.view', target: ({ params }) => ({ employeeId: params.employeeId }) },
    params: employeeParams,
    responses: { 200: { description: 'Employments' } },
    handler: async (input) => ({
      body: { employments: await listEmployments(input.ctx.store.db, input.params.employeeId) },
    }),
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/employees/:employeeId/employments',
    summary: 'Adds an employment (also a re-hire or a second employment).',
    tag: 'masterdata',
    access: {
      capability: 'masterdata.edit',
      target: ({ params, body }) => [{ employeeId: params.employeeId }, ...termsDepartment(body.terms)],
    },
    params: employeeParams,
    body: employmentCreateBody,
    example: {
      body: {
        externalId: 'E-{unique}',
        startDate: '2024-01-01',
        terms: { departmentId: '{departmentId}', hoursPerWeek: 32 },
      },
    },
    responses: { 201: { description: 'Created' } },
    handler: async (input) => {
      const id = await createEmployment(
        input.ctx.store.db,
        input.ctx.vault,
        employerIdOf(input),
        input.params.employeeId,
        input.body,
      );
      return { status: 201, body: { id } };
    },
  }),
  defineRoute({
    method: 'patch',
    path: '/api/v1/employments/:employmentId',
    summary:
      'Corrects an employment in place (`correct`) or changes it from a date as a new version (`change`).',
    tag: 'masterdata',
    access: {
      capability: 'masterdata.edit',
      target: ({ params, body }) => [{ employmentId: params.employmentId }, ...termsDepartment(body.terms)],
    },
    params: employmentParams,
    body: employmentEditBody,
    example: { body: { mode: 'change', from: '2025-06-01', terms: { hoursPerWeek: 24 } } },
    responses: { 204: { description: 'Changed' } },
    handler: async (input) => {
      const id = input.params.employmentId;
      // An end date set, moved or taken away by hand is recorded on an open absence case, as the
      // sync records the source's.
      await editEmployment(input.ctx.store.db, id, input.body, async (trx, endDate) => {
        await recordEmploymentsEnded(trx, {
          table: '(select ?::uuid as employment_id, ?::date as end_date)',
          bindings: [id, endDate],
          runId: null,
          date: todayOf(input),
        });
      });
      return { status: 204 };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/v1/departments',
    summary: 'Departments in the caller’s scope (the whole tree for an employer-wide scope).',
    tag: 'masterdata',
    access: { capability: 'employees.find' },
    responses: { 200: { description: 'Departments' } },
    handler: async (input) => {
      const db = input.ctx.store.db;
      const employerId = employerIdOf(input);
      const ids = await departmentIdsInScope(db, employerId, input.acting!.scope);
      return { body: { departments: await listDepartments(db, employerId, ids) } };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/departments',
    summary: 'Adds a department, at the top or under a parent.',
    tag: 'masterdata',
    access: {
      capability: 'masterdata.edit',
      target: ({ body }) => (body.parentId ? { departmentId: body.parentId } : undefined),
    },
    body: departmentCreateBody,
    example: { body: { code: 'D-{unique}', name: 'Inkoop', parentId: '{departmentId}' } },
    responses: { 201: { description: 'Created' } },
    handler: async (input) => {
      if (!input.body.parentId) assertTopLevelAllowed(input);
      return {
        status: 201,
        body: await createDepartment(input.ctx.store.db, employerIdOf(input), input.body),
      };
    },
  }),
  defineRoute({
    method: 'patch',
    path: '/api/v1/departments/:departmentId',
    summary: 'Renames or moves a department (never below itself).',
    tag: 'masterdata',
    access: {
      capability: 'masterdata.edit',
      target: ({ params, body }) => [
        { departmentId: params.departmentId },
        ...(body.parentId ? [{ departmentId: body.parentId }] : []),
      ],
    },
    params: departmentParams,
    body: departmentEditBody,
    example: { body: { name: 'Verkoop Noord' } },
    responses: { 200: { description: 'Changed' } },
    handler: async (input) => {
      if (input.body.parentId === null) assertTopLevelAllowed(input);
      return {
        body: await editDepartment(
          input.ctx.store.db,
          employerIdOf(input),
          input.params.departmentId,
          input.body,
        ),
      };
    },
  }),
  ...(['archive', 'reactivate'] as const).map((action) =>
    defineRoute({
      method: 'post',
      path: `/api/v1/departments/:departmentId/${action}`,
      summary:
        action === 'archive'
          ? 'Archives a department without current employees.'
          : 'Reactivates an archived department.',
      tag: 'masterdata',
      access: {
        capability: 'masterdata.edit',
        target: ({ params }) => ({ departmentId: params.departmentId }),
      },
      params: departmentParams,
      responses: { 200: { description: 'Done' } },
      handler: async (input) => ({
        body: await setDepartmentArchived(
          input.ctx.store.db,
          employerIdOf(input),
          input.params.departmentId,
          action === 'archive',
          todayIn(input.ctx.config.timezone, nowOf(input.ctx)),
        ),
      }),
    }),
  ),
];
