import { z } from 'zod';
import { AppError } from '../errors.js';
import { completePasswordLink, passwordStep, requestPasswordReset, secondFactorStep } from '../auth/login.js';
import { t } from '../auth/messages.js';
import { findLink, useLink } from '../store/links.js';
import { revokeSession } from '../store/sessions.js';
import { nowOf } from './context.js';
import { requestLanguage } from './language.js';
import { defineRoute, type RouteDef } from './route.js';
import { log } from '../log.js';

const loginBody = z
  .object({ loginName: z.string().trim().min(1).max(200), password: z.string().min(1).max(1000) })
  .strict();
const secondFactorBody = z.union([
  z.object({ challenge: z.string().min(10).max(200), code: z.string().trim().max(10) }).strict(),
  z.object({ challenge: z.string().min(10).max(200), backupCode: z.string().trim().max(40) }).strict(),
]);
const tokenPasswordBody = z
  .object({ token: z.string().min(10).max(200), password: z.string().min(1).max(1000) })
  .strict();

/** Login with password and second factor, logout, password links, e-mail confirmation. */
export const loginRoutes: RouteDef[] = [
  defineRoute({
    method: 'post',
    path: '/api/v1/auth/login',
    summary: 'Login step 1: login name and password; answers a challenge for the second factor.',
    tag: 'auth',
    access: 'public',
    body: loginBody,
    responses: {
      200: { description: 'Password accepted; send a code with the challenge' },
      401: { description: 'Login failed (the same answer for every reason)' },
      429: { description: 'Locked after too many failures' },
    },
    handler: async ({ ctx, req, body }) => {
      const result = await passwordStep(ctx, {
        ...body,
        clientKey: req.socket.remoteAddress ?? 'unknown',
        lang: requestLanguage(req),
      });
      return { body: { ...result, expiresAt: result.expiresAt.toISOString() } };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/auth/login/second-factor',
    summary: 'Login step 2: an authenticator code or a backup code; answers a session token.',
    tag: 'auth',
    access: 'public',
    body: secondFactorBody,
    responses: {
      200: { description: 'Session started' },
      401: { description: 'Wrong or reused code, or an expired challenge' },
      429: { description: 'Locked after too many failures' },
    },
    handler: async ({ ctx, req, body }) => {
      const result = await secondFactorStep(ctx, {
        challenge: body.challenge,
        code: 'code' in body ? body.code : undefined,
        backupCode: 'backupCode' in body ? body.backupCode : undefined,
        lang: requestLanguage(req),
      });
      return { body: { ...result, expiresAt: result.expiresAt.toISOString() } };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/auth/logout',
    summary: 'Ends the current session.',
    tag: 'auth',
    access: 'account',
    responses: { 204: { description: 'Logged out' } },
    handler: async ({ ctx, req }) => {
      if (req.principal?.kind === 'user')
        await revokeSession(ctx.store.db, req.principal.sessionId, nowOf(ctx));
      return { status: 204 };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/auth/password-reset',
    summary:
      'Inloggegevens vergeten: e-mails a reset link when the login name is known (same answer either way).',
    tag: 'auth',
    access: 'public',
    body: z.object({ loginName: z.string().trim().min(1).max(200) }).strict(),
    responses: { 202: { description: 'If the login name exists, a link is on its way' } },
    handler: async ({ ctx, body }) => {
      // Not awaited: the answer must not take longer when the login name exists.
      requestPasswordReset(ctx, body.loginName).catch((err: unknown) =>
        log.error('password reset mail failed', { err }),
      );
      return { status: 202 };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/auth/password',
    summary: 'Sets the password with the token of an activation or reset link (single use).',
    tag: 'auth',
    access: 'public',
    body: tokenPasswordBody,
    responses: {
      204: { description: 'Password set; log in' },
      400: { description: 'Link invalid or password refused' },
    },
    handler: async ({ ctx, req, body }) => {
      await completePasswordLink(ctx, { ...body, lang: requestLanguage(req) });
      return { status: 204 };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/auth/email-confirm',
    summary: 'Confirms a new e-mail address with the token from the confirmation link.',
    tag: 'auth',
    access: 'public',
    body: z.object({ token: z.string().min(10).max(200) }).strict(),
    responses: { 204: { description: 'E-mail address changed' }, 400: { description: 'Link invalid' } },
    handler: async ({ ctx, req, body }) => {
      const now = nowOf(ctx);
      const link = await findLink(ctx.store.db, body.token, ['email'], now);
      const email = z.email().safeParse(link?.data.email);
      if (!link || !email.success || !(await useLink(ctx.store.db, link.id, now))) {
        throw new AppError('bad_request', t(requestLanguage(req), 'linkInvalid'));
      }
      await ctx.store.db('users').where({ id: link.user_id }).update({ email: email.data, updated_at: now });
      return { status: 204 };
    },
  }),
];
