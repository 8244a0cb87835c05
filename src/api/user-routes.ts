import { z } from 'zod';
import { AppError } from '../errors.js';
import { sendPasswordLink } from '../auth/login.js';
import { t } from '../auth/messages.js';
import { genders } from '../domain/employee.js';
import { employerRoles, roleNames } from '../domain/roles.js';
import { scopeInputSchema, toScope } from '../domain/scope.js';
import { inTransaction } from '../store/db.js';
import { mapStoreError } from '../store/errors.js';
import { findEmployerById } from '../store/employers.js';
import { saveScope } from '../store/scope.js';
import {
  createUser,
  findEmployerUser,
  findUserById,
  listEmployerUsers,
  membershipStatus,
  type EmployerUser,
} from '../store/users.js';
import { nowOf, type EmployerGrant, type Language } from './context.js';
import { requestLanguage } from './language.js';
import { auditAccountEvent } from './audit.js';
import { assertManageable, assertRoleWithin, assertScopeWithin } from './grant-rules.js';
import { defineRoute, type RouteDef, type RouteInput } from './route.js';

const userIdParams = z.object({ userId: z.uuid('a user id (UUID)') }).strict();
const loginNameSchema = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9@._+-]{3,100}$/, '3 to 100 letters, digits or @ . _ + -');

const userView = z.object({
  id: z.string(),
  loginName: z.string(),
  firstName: z.string(),
  lastName: z.string(),
  gender: z.enum(genders).nullable(),
  email: z.string(),
  role: z.enum(employerRoles),
  roleName: z.string(),
  scope: z.union([
    z.object({ inherit: z.literal(true) }),
    z.object({
      inherit: z.literal(false),
      departmentIds: z.array(z.string()),
      employeeIds: z.array(z.string()),
    }),
  ]),
  validFrom: z.string(),
  validUntil: z.string().nullable(),
  status: z.enum(['active', 'expired', 'pending']),
  twoFactorLinked: z.boolean(),
});

function view(u: EmployerUser, lang: Language, now: Date): z.infer<typeof userView> {
  return userView.parse({
    id: u.user.id,
    loginName: u.user.login_name,
    firstName: u.user.first_name,
    lastName: u.user.last_name,
    gender: u.user.gender,
    email: u.user.email,
    role: u.membership.role,
    roleName: roleNames[u.membership.role][lang],
    scope: u.scope.kind === 'employer' ? { inherit: true } : { inherit: false, ...u.scope, kind: undefined },
    validFrom: u.membership.valid_from.toISOString(),
    validUntil: u.membership.valid_until?.toISOString() ?? null,
    status: membershipStatus(u.membership, u.user.password_hash !== null, now),
    twoFactorLinked: u.user.totp_confirmed_at !== null,
  });
}

function grantOf(input: RouteInput<unknown, unknown, unknown>): EmployerGrant {
  if (!input.acting) throw new AppError('internal', 'Employer route without an employer grant.');
  return input.acting;
}

/** The user at the acting employer (404 for users of other employers) who is not the caller. */
async function otherUser(
  input: RouteInput<{ userId: string }, unknown, unknown>,
  allowSelf: boolean,
): Promise<EmployerUser> {
  const grant = grantOf(input);
  const lang = requestLanguage(input.req);
  const found = await findEmployerUser(input.ctx.store.db, grant.employer.id, input.params.userId);
  if (!found)
    throw new AppError('not_found', t(lang, 'notFound', { what: lang === 'nl' ? 'gebruiker' : 'user' }));
  const p = input.req.principal;
  if (!allowSelf && p?.kind === 'user' && p.userId === found.user.id)
    throw new AppError('forbidden', t(lang, 'ownRoleOrScope'));
  return found;
}

function audit(
  input: RouteInput<unknown, unknown, unknown>,
  action: string,
  userId: string,
  details?: object,
) {
  return auditAccountEvent(input.ctx.store.db, input.req, {
    action,
    entityType: 'user',
    entityId: userId,
    employerId: grantOf(input).employer.id,
    ...(details ? { details } : {}),
  });
}

const createBody = z
  .object({
    firstName: z.string().trim().min(1).max(100),
    lastName: z.string().trim().min(1).max(200),
    gender: z.enum(genders).optional(),
    email: z.email().max(254),
    role: z.enum(employerRoles),
    loginName: loginNameSchema,
    language: z.enum(['nl', 'en']).default('nl'),
    validFrom: z.iso.datetime({ offset: true }).optional(),
    validUntil: z.iso.datetime({ offset: true }).optional(),
    twoFactor: z
      .literal(true, 'two-factor authentication is required and cannot be switched off')
      .default(true),
    scope: scopeInputSchema,
  })
  .strict();

const changeBody = z
  .object({
    loginName: loginNameSchema.optional(),
    role: z.enum(employerRoles).optional(),
    validFrom: z.iso.datetime({ offset: true }).optional(),
    validUntil: z.iso.datetime({ offset: true }).nullable().optional(),
  })
  .strict();

/** Gebruikersbeheer: superusers create and manage the accounts of their employer. */
export const userRoutes: RouteDef[] = [
  defineRoute({
    method: 'get',
    path: '/api/v1/users',
    summary: 'Users of the employer, with role, scope, validity and status.',
    tag: 'users',
    access: { capability: 'users.manage' },
    responses: { 200: { description: 'Users', schema: z.object({ users: z.array(userView) }) } },
    handler: async (input) => {
      const users = await listEmployerUsers(input.ctx.store.db, grantOf(input).employer.id);
      const now = nowOf(input.ctx);
      return { body: { users: users.map((u) => view(u, requestLanguage(input.req), now)) } };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/users',
    summary: 'Creates a user; the login details and a one-time link to choose a password go out by e-mail.',
    tag: 'users',
    access: { capability: 'users.manage' },
    body: createBody,
    example: {
      body: {
        firstName: 'Anna',
        lastName: 'de Vries',
        email: 'anna.{unique}@example.nl',
        role: 'absence_reporter',
        loginName: 'anna-{unique}',
        scope: { departmentIds: ['{departmentId}'] },
      },
    },
    responses: {
      201: { description: 'Created (status pending until the password is set)', schema: userView },
    },
    handler: async (input) => {
      const { ctx, body } = input;
      const grant = grantOf(input);
      const lang = requestLanguage(input.req);
      assertRoleWithin(body.role, grant, lang);
      const scope = toScope(body.scope);
      await assertScopeWithin(ctx, scope, grant, lang);
      const userId = await createUser(
        ctx.store.db,
        { ...body },
        {
          employerId: grant.employer.id,
          role: body.role,
          scope,
          validFrom: body.validFrom ? new Date(body.validFrom) : nowOf(ctx),
          validUntil: body.validUntil ? new Date(body.validUntil) : undefined,
        },
      );
      await audit(input, 'user.created', userId, { role: body.role, scope: scope.kind });
      const employer = await findEmployerById(ctx.store.db, grant.employer.id);
      await sendPasswordLink(ctx, (await findUserById(ctx.store.db, userId))!, 'activate', employer?.name);
      const created = (await findEmployerUser(ctx.store.db, grant.employer.id, userId))!;
      return { status: 201, body: view(created, lang, nowOf(ctx)) };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/v1/users/:userId',
    summary: 'One user of the employer.',
    tag: 'users',
    access: { capability: 'users.manage' },
    params: userIdParams,
    responses: { 200: { description: 'User', schema: userView } },
    handler: async (input) => ({
      body: view(await otherUser(input, true), requestLanguage(input.req), nowOf(input.ctx)),
    }),
  }),
  defineRoute({
    method: 'patch',
    path: '/api/v1/users/:userId',
    summary: 'Changes login name, role or validity period of another user.',
    tag: 'users',
    access: { capability: 'users.manage' },
    params: userIdParams,
    body: changeBody,
    example: { body: { role: 'absence_reporter', validUntil: '2099-12-31T00:00:00Z' } },
    responses: { 200: { description: 'Changed', schema: userView } },
    handler: async (input) => {
      const { ctx, body } = input;
      const lang = requestLanguage(input.req);
      const grant = grantOf(input);
      const target = await otherUser(input, false);
      // Changing someone who holds more than the caller would be a way around the role limit.
      await assertManageable(ctx, target, grant, lang);
      if (body.role) assertRoleWithin(body.role, grant, lang);
      // The login is the person's, not this employer's: one used elsewhere too is not renamed here.
      if (body.loginName && body.loginName !== target.user.login_name) {
        const elsewhere = await ctx.store
          .db('user_memberships')
          .where({ user_id: target.user.id })
          .whereNot({ employer_id: grant.employer.id })
          .where((q) => q.whereNull('valid_until').orWhere('valid_until', '>', nowOf(ctx)))
          .first('id');
        if (elsewhere) throw new AppError('forbidden', t(lang, 'loginShared'));
      }
      const now = nowOf(ctx);
      await inTransaction(ctx.store.db, async (trx) => {
        try {
          if (body.loginName)
            await trx('users')
              .where({ id: target.user.id })
              .update({ login_name: body.loginName, updated_at: now });
          await trx('user_memberships')
            .where({ id: target.membership.id })
            .update({
              ...(body.role ? { role: body.role } : {}),
              ...(body.validFrom ? { valid_from: new Date(body.validFrom) } : {}),
              ...(body.validUntil !== undefined
                ? { valid_until: body.validUntil ? new Date(body.validUntil) : null }
                : {}),
              updated_at: now,
            });
        } catch (err) {
          mapStoreError(err, 'user (login name taken, or validity period ends before it starts)');
        }
      });
      await audit(input, 'user.changed', target.user.id, { fields: Object.keys(body) });
      const changed = (await findEmployerUser(ctx.store.db, grant.employer.id, target.user.id))!;
      return { body: view(changed, lang, now) };
    },
  }),
  defineRoute({
    method: 'put',
    path: '/api/v1/users/:userId/scope',
    summary:
      'Sets which employees another user sees: the whole employer (inherit) or departments and employees.',
    tag: 'users',
    access: { capability: 'users.manage' },
    params: userIdParams,
    body: scopeInputSchema,
    example: { body: { departmentIds: ['{departmentId}'], employeeIds: ['{employeeId}'] } },
    responses: { 200: { description: 'Changed', schema: userView } },
    handler: async (input) => {
      const { ctx } = input;
      const lang = requestLanguage(input.req);
      const grant = grantOf(input);
      const target = await otherUser(input, false);
      await assertManageable(ctx, target, grant, lang);
      const scope = toScope(input.body);
      await assertScopeWithin(ctx, scope, grant, lang);
      await inTransaction(ctx.store.db, (trx) => saveScope(trx, target.membership.id, scope));
      await audit(input, 'user.scope_changed', target.user.id, { scope: scope.kind });
      const changed = (await findEmployerUser(ctx.store.db, grant.employer.id, target.user.id))!;
      return { body: view(changed, lang, nowOf(ctx)) };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/users/:userId/deactivate',
    summary: 'Deactivates another user now or at a moment (users are never deleted).',
    tag: 'users',
    access: { capability: 'users.manage' },
    params: userIdParams,
    body: z.object({ at: z.iso.datetime({ offset: true }).optional() }).strict(),
    example: { body: {} },
    responses: { 200: { description: 'Deactivated', schema: userView } },
    handler: async (input) => {
      const { ctx } = input;
      const lang = requestLanguage(input.req);
      const grant = grantOf(input);
      const target = await otherUser(input, false);
      await assertManageable(ctx, target, grant, lang);
      const now = nowOf(ctx);
      const at = input.body.at ? new Date(input.body.at) : now;
      const until = at < target.membership.valid_from ? target.membership.valid_from : at;
      await ctx.store
        .db('user_memberships')
        .where({ id: target.membership.id })
        .update({ valid_until: until, updated_at: now });
      await audit(input, 'user.deactivated', target.user.id, { at: until.toISOString() });
      const changed = (await findEmployerUser(ctx.store.db, grant.employer.id, target.user.id))!;
      return { body: view(changed, lang, now) };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/users/:userId/password-reset',
    summary: 'Sends another user a link to choose a new password (the password is never shown or set here).',
    tag: 'users',
    access: { capability: 'users.manage' },
    params: userIdParams,
    responses: { 202: { description: 'Link sent' } },
    handler: async (input) => {
      const target = await otherUser(input, true);
      // Only a user one may manage: a reset cancels the account's open links and mails its owner.
      await assertManageable(input.ctx, target, grantOf(input), requestLanguage(input.req));
      await sendPasswordLink(input.ctx, target.user, 'reset');
      await audit(input, 'user.password_reset_sent', target.user.id);
      return { status: 202 };
    },
  }),
];
