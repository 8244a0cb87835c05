import { z } from 'zod';
import { AppError } from '../errors.js';
import {
  assertPasswordAllowed,
  checkSecondFactor,
  renewBackupCodes,
  sealTotpSecret,
  setPassword,
  totpSecretOf,
} from '../auth/login.js';
import { t } from '../auth/messages.js';
import { verifyPassword } from '../auth/password.js';
import { loginThrottle, throttledCheck } from '../auth/throttle.js';
import { matchTotp, newTotpSecret, totpUri } from '../auth/totp.js';
import { sendAccountMail } from '../auth/account-mail.js';
import { mailerOf } from '../auth/mailer.js';
import { roleNames } from '../domain/roles.js';
import { createLink, findLink, useLink, voidLinks } from '../store/user-links.js';
import { createSession } from '../store/sessions.js';
import { activeMemberships, findUserById, type UserRow } from '../store/users.js';
import { nowOf, type AppContext, type Language } from './context.js';
import { requestLanguage } from './language.js';
import { defineRoute, type RouteDef, type RouteInput } from './route.js';

const codeBody = z.object({ code: z.string().trim().max(10) }).strict();

async function currentUser(input: RouteInput<unknown, unknown, unknown>): Promise<UserRow> {
  const p = input.req.principal;
  const user = p?.kind === 'user' ? await findUserById(input.ctx.store.db, p.userId) : undefined;
  if (!user) throw new AppError('unauthorized', t(requestLanguage(input.req), 'unauthorized'));
  return user;
}

/**
 * Checks what the user gave to confirm a change to their account: the current password and/or a
 * current authenticator code. Each check counts towards the lockout of the login name, exactly as a
 * failed login does, so a stolen session cannot be used to guess them.
 */
async function requireRecheck(
  ctx: AppContext,
  user: UserRow,
  given: { currentPassword?: string | undefined; code?: string | undefined },
  lang: Language,
): Promise<void> {
  let wrong: { path: string; message: string } | undefined;
  await throttledCheck(ctx, [loginThrottle(ctx, user.login_name)], lang, async () => {
    if (given.currentPassword !== undefined) {
      const ok = !!user.password_hash && (await verifyPassword(given.currentPassword, user.password_hash));
      if (!ok) wrong = { path: 'currentPassword', message: t(lang, 'passwordWrong') };
    }
    if (!wrong && given.code !== undefined) {
      if (!(await checkSecondFactor(ctx, user, { code: given.code }, nowOf(ctx))))
        wrong = { path: 'code', message: t(lang, 'codeWrong') };
    }
    return !wrong;
  });
  if (wrong) throw new AppError('validation_failed', wrong.message, [wrong]);
}

const meView = z.object({
  id: z.string(),
  loginName: z.string(),
  firstName: z.string(),
  lastName: z.string(),
  gender: z.enum(['M', 'V', 'O']).nullable(),
  email: z.string(),
  phone: z.string().nullable(),
  language: z.enum(['nl', 'en']),
  employers: z.array(z.object({ code: z.string(), role: z.string(), roleName: z.string() })),
});

/** A user's own account: contact details, e-mail, password, authenticator, backup codes, language. */
export const accountRoutes: RouteDef[] = [
  defineRoute({
    method: 'get',
    path: '/api/v1/me',
    summary: 'The own account and the employers where it holds a role now.',
    tag: 'account',
    access: 'account',
    responses: { 200: { description: 'Account', schema: meView } },
    handler: async (input) => {
      const user = await currentUser(input);
      const lang = requestLanguage(input.req);
      const memberships = await activeMemberships(input.ctx.store.db, user.id, nowOf(input.ctx));
      return {
        body: meView.parse({
          id: user.id,
          loginName: user.login_name,
          firstName: user.first_name,
          lastName: user.last_name,
          gender: user.gender,
          email: user.email,
          phone: user.phone,
          language: user.language,
          employers: memberships.map((m) => ({
            code: m.employer.code,
            role: m.membership.role,
            roleName: roleNames[m.membership.role][lang],
          })),
        }),
      };
    },
  }),
  defineRoute({
    method: 'patch',
    path: '/api/v1/me',
    summary: 'Changes own contact details and language (never role, scope or login name).',
    tag: 'account',
    access: 'account',
    body: z
      .object({
        firstName: z.string().trim().min(1).max(100).optional(),
        lastName: z.string().trim().min(1).max(200).optional(),
        gender: z.enum(['M', 'V', 'O']).nullable().optional(),
        phone: z.string().trim().max(40).nullable().optional(),
        language: z.enum(['nl', 'en']).optional(),
      })
      .strict(),
    responses: { 204: { description: 'Saved' } },
    handler: async (input) => {
      const user = await currentUser(input);
      const b = input.body;
      await input.ctx.store
        .db('users')
        .where({ id: user.id })
        .update({
          ...(b.firstName !== undefined ? { first_name: b.firstName } : {}),
          ...(b.lastName !== undefined ? { last_name: b.lastName } : {}),
          ...(b.gender !== undefined ? { gender: b.gender } : {}),
          ...(b.phone !== undefined ? { phone: b.phone } : {}),
          ...(b.language !== undefined ? { language: b.language } : {}),
          updated_at: nowOf(input.ctx),
        });
      return { status: 204 };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/me/email',
    summary:
      'Starts an e-mail change (current password or code required): a confirmation link goes to the new address.',
    tag: 'account',
    access: 'account',
    body: z
      .object({
        email: z.email().max(254),
        currentPassword: z.string().min(1).max(1000).optional(),
        code: z.string().trim().max(10).optional(),
      })
      .strict()
      .refine((b) => b.currentPassword !== undefined || b.code !== undefined, {
        message: 'send the current password (currentPassword) or a code from the authenticator app (code)',
        path: ['currentPassword'],
      }),
    responses: { 202: { description: 'Confirmation link sent' } },
    handler: async (input) => {
      const user = await currentUser(input);
      const { ctx } = input;
      await requireRecheck(ctx, user, input.body, requestLanguage(input.req));
      const now = nowOf(ctx);
      const until = new Date(now.getTime() + ctx.config.linkHours * 3_600_000);
      await voidLinks(ctx.store.db, user.id, ['email'], now);
      const token = await createLink(ctx.store.db, user.id, 'email', until, { email: input.body.email });
      await sendAccountMail(mailerOf(ctx), ctx.config, 'email', {
        to: input.body.email,
        language: user.language,
        name: `${user.first_name} ${user.last_name}`,
        login: user.login_name,
        token,
        until,
      });
      return { status: 202 };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/me/password',
    summary: 'Changes the own password (current password required); other sessions end, a new one starts.',
    tag: 'account',
    access: 'account',
    body: z
      .object({ currentPassword: z.string().min(1).max(1000), newPassword: z.string().min(1).max(1000) })
      .strict(),
    responses: { 200: { description: 'Changed; a new session token' } },
    handler: async (input) => {
      const user = await currentUser(input);
      const { ctx } = input;
      const lang = requestLanguage(input.req);
      await requireRecheck(ctx, user, { currentPassword: input.body.currentPassword }, lang);
      assertPasswordAllowed(user, input.body.newPassword, lang);
      await setPassword(ctx, user, input.body.newPassword);
      const session = await createSession(
        ctx.store.db,
        user.id,
        { hours: ctx.config.sessionHours, idleMinutes: ctx.config.sessionIdleMinutes },
        nowOf(ctx),
      );
      return { body: { token: session.token, expiresAt: session.expiresAt.toISOString() } };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/me/two-factor',
    summary: 'Starts linking a new authenticator device (current code required); answers the new seed.',
    tag: 'account',
    access: 'account',
    body: codeBody,
    responses: { 200: { description: 'Scan the seed, then confirm with a code from the new device' } },
    handler: async (input) => {
      const user = await currentUser(input);
      const { ctx } = input;
      const now = nowOf(ctx);
      await requireRecheck(ctx, user, { code: input.body.code }, requestLanguage(input.req));
      const secret = newTotpSecret();
      await voidLinks(ctx.store.db, user.id, ['totp'], now);
      const enrollment = await createLink(
        ctx.store.db,
        user.id,
        'totp',
        new Date(now.getTime() + 10 * 60_000),
        {
          secret: sealTotpSecret(ctx, user.id, secret),
        },
      );
      return { body: { enrollment, secret, otpauthUrl: totpUri(secret, user.login_name) } };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/me/two-factor/confirm',
    summary: 'Confirms the new authenticator device with a code from it; the old device stops working.',
    tag: 'account',
    access: 'account',
    body: z.object({ enrollment: z.string().min(10).max(200), code: z.string().trim().max(10) }).strict(),
    responses: { 204: { description: 'New device linked' } },
    handler: async (input) => {
      const user = await currentUser(input);
      const { ctx } = input;
      const now = nowOf(ctx);
      const lang = requestLanguage(input.req);
      const link = await findLink(ctx.store.db, input.body.enrollment, ['totp'], now);
      const sealed = link?.user_id === user.id ? link.data.secret : undefined;
      if (!link || typeof sealed !== 'string') throw new AppError('bad_request', t(lang, 'linkInvalid'));
      const secret = totpSecretOf(ctx, { id: user.id, totp_secret: sealed })!;
      const step = matchTotp(secret, input.body.code, now, null);
      if (step === undefined) {
        throw new AppError('validation_failed', t(lang, 'codeWrong'), [
          { path: 'code', message: t(lang, 'codeWrong') },
        ]);
      }
      if (!(await useLink(ctx.store.db, link.id, now)))
        throw new AppError('bad_request', t(lang, 'linkInvalid'));
      await ctx.store
        .db('users')
        .where({ id: user.id })
        .update({ totp_secret: sealed, totp_last_step: step, totp_confirmed_at: now, updated_at: now });
      return { status: 204 };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/me/backup-codes',
    summary: 'Replaces the backup codes (current code required); the new codes are shown this once.',
    tag: 'account',
    access: 'account',
    body: codeBody,
    responses: { 200: { description: 'New backup codes' } },
    handler: async (input) => {
      const user = await currentUser(input);
      await requireRecheck(input.ctx, user, { code: input.body.code }, requestLanguage(input.req));
      return { body: { backupCodes: await renewBackupCodes(input.ctx, user.id) } };
    },
  }),
];
