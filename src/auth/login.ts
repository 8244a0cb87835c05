import { AppError } from '../errors.js';
import { log } from '../log.js';
import { nowOf, type AppContext, type Language } from '../api/context.js';
import { inTransaction } from '../store/db.js';
import { createLink, findLink, useLink, voidLinks } from '../store/user-links.js';
import { createSession, revokeUserSessions } from '../store/sessions.js';
import { clearFailures } from '../store/throttle.js';
import { activeMemberships, findUserById, findUserByLogin, type UserRow } from '../store/users.js';
import { sendAccountMail } from './account-mail.js';
import { mailerOf } from './mailer.js';
import { t } from './messages.js';
import { dummyHash, hashPassword, minPasswordLength, passwordProblem, verifyPassword } from './password.js';
import { addressThrottle, loginThrottle, throttledCheck } from './throttle.js';
import { hashBackupCode, matchTotp, newBackupCodes, newTotpSecret, totpUri } from './totp.js';

const challengeMinutes = 5;

/** The TOTP seed of a user in clear (it is stored sealed with the master key). */
export function totpSecretOf(ctx: AppContext, user: Pick<UserRow, 'id' | 'totp_secret'>): string | undefined {
  return user.totp_secret ? ctx.vault.openSecret(`totp:${user.id}`, user.totp_secret) : undefined;
}

/** Seals a TOTP seed for storage. */
export function sealTotpSecret(ctx: AppContext, userId: string, secret: string): string {
  return ctx.vault.sealSecret(`totp:${userId}`, secret);
}

export interface PasswordStepResult {
  challenge: string;
  expiresAt: Date;
  /** `totp` to enter a code (or a backup code); `enroll` to link an authenticator app first. */
  next: 'totp' | 'enroll';
  enrollment?: { secret: string; otpauthUrl: string };
}

/**
 * Login step 1: the password. Unknown login names, wrong passwords and inactive accounts give the
 * same answer after the same work (a scrypt run), and count towards the lockout of that login name
 * and of the client address.
 */
export async function passwordStep(
  ctx: AppContext,
  input: { loginName: string; password: string; clientKey: string; lang: Language },
): Promise<PasswordStepResult> {
  const now = nowOf(ctx);
  const keys = [loginThrottle(ctx, input.loginName), addressThrottle(ctx, input.clientKey)];
  const user = await findUserByLogin(ctx.store.db, input.loginName);
  const passed = await throttledCheck(ctx, keys, input.lang, async () => {
    const stored = user?.password_hash ?? (await dummyHash(ctx.config.scryptCost));
    const passwordOk = await verifyPassword(input.password, stored);
    return user && user.password_hash && passwordOk
      ? (await activeMemberships(ctx.store.db, user.id, now)).length > 0
      : false;
  });
  if (!passed || !user) throw new AppError('unauthorized', t(input.lang, 'loginFailed'));
  const expiresAt = new Date(now.getTime() + challengeMinutes * 60_000);
  let enrollment: PasswordStepResult['enrollment'];
  if (!user.totp_confirmed_at) {
    // Until the first code is confirmed, every login shows a fresh seed to scan.
    const secret = newTotpSecret();
    await ctx.store
      .db('users')
      .where({ id: user.id })
      .update({ totp_secret: sealTotpSecret(ctx, user.id, secret), totp_last_step: null });
    enrollment = { secret, otpauthUrl: totpUri(secret, user.login_name) };
  }
  const challenge = await createLink(ctx.store.db, user.id, 'login', expiresAt);
  return {
    challenge,
    expiresAt,
    next: enrollment ? 'enroll' : 'totp',
    ...(enrollment ? { enrollment } : {}),
  };
}

/**
 * Checks a TOTP code (one step of drift, each step once) or an unused backup code for a user,
 * recording the step or using up the code. False when neither matches.
 */
export async function checkSecondFactor(
  ctx: AppContext,
  user: UserRow,
  factor: { code?: string | undefined; backupCode?: string | undefined },
  now: Date,
): Promise<boolean> {
  const db = ctx.store.db;
  if (factor.code !== undefined) {
    const secret = totpSecretOf(ctx, user);
    if (!secret) return false;
    const step = matchTotp(secret, factor.code, now, user.totp_last_step);
    if (step === undefined) return false;
    // Conditional update: of two concurrent uses of one code, only one succeeds.
    const n = await db('users')
      .where({ id: user.id })
      .where((q) => q.whereNull('totp_last_step').orWhere('totp_last_step', '<', step))
      .update({ totp_last_step: step });
    return n > 0;
  }
  if (factor.backupCode !== undefined && user.totp_confirmed_at) {
    const n = await db('user_backup_codes')
      .where({ user_id: user.id, code_hash: hashBackupCode(factor.backupCode) })
      .whereNull('used_at')
      .update({ used_at: now });
    return n > 0;
  }
  return false;
}

/** Replaces a user's backup codes; returns the new codes to show once. */
export async function renewBackupCodes(ctx: AppContext, userId: string): Promise<string[]> {
  const codes = newBackupCodes();
  await inTransaction(ctx.store.db, async (trx) => {
    await trx('user_backup_codes').where({ user_id: userId }).delete();
    await trx('user_backup_codes').insert(
      codes.map((c) => ({ user_id: userId, code_hash: hashBackupCode(c) })),
    );
  });
  return codes;
}

export interface SecondFactorResult {
  token: string;
  expiresAt: Date;
  /** Present right after enrolment: the backup codes, shown this once. */
  backupCodes?: string[];
}

/** Login step 2: a TOTP code or a backup code against the challenge of step 1; starts a session. */
export async function secondFactorStep(
  ctx: AppContext,
  input: { challenge: string; code?: string | undefined; backupCode?: string | undefined; lang: Language },
): Promise<SecondFactorResult> {
  const now = nowOf(ctx);
  const db = ctx.store.db;
  const link = await findLink(db, input.challenge, ['login'], now);
  const user = link && (await findUserById(db, link.user_id));
  if (!link || !user) throw new AppError('unauthorized', t(input.lang, 'challengeInvalid'));
  const enrolling = !user.totp_confirmed_at;
  if (enrolling && input.code === undefined) throw new AppError('unauthorized', t(input.lang, 'codeWrong'));
  const throttle = loginThrottle(ctx, user.login_name);
  if (!(await throttledCheck(ctx, [throttle], input.lang, () => checkSecondFactor(ctx, user, input, now))))
    throw new AppError('unauthorized', t(input.lang, 'codeWrong'));
  if (!(await useLink(db, link.id, now)))
    throw new AppError('unauthorized', t(input.lang, 'challengeInvalid'));
  await clearFailures(db, throttle.key);
  let backupCodes: string[] | undefined;
  if (enrolling) {
    await db('users').where({ id: user.id }).update({ totp_confirmed_at: now });
    backupCodes = await renewBackupCodes(ctx, user.id);
  }
  const session = await createSession(
    db,
    user.id,
    { hours: ctx.config.sessionHours, idleMinutes: ctx.config.sessionIdleMinutes },
    now,
  );
  log.info('login', { userId: user.id, sessionId: session.id });
  return { token: session.token, expiresAt: session.expiresAt, ...(backupCodes ? { backupCodes } : {}) };
}

/** Sends a single-use password link (activation of a new account, or a reset) to the user's e-mail. */
export async function sendPasswordLink(
  ctx: AppContext,
  user: UserRow,
  kind: 'activate' | 'reset',
  employerName?: string,
): Promise<void> {
  const now = nowOf(ctx);
  const until = new Date(now.getTime() + ctx.config.linkHours * 3_600_000);
  await voidLinks(ctx.store.db, user.id, ['activate', 'reset'], now);
  const token = await createLink(ctx.store.db, user.id, kind, until);
  await sendAccountMail(mailerOf(ctx), ctx.config, kind, {
    to: user.email,
    language: user.language,
    name: `${user.first_name} ${user.last_name}`,
    login: user.login_name,
    token,
    until,
    ...(employerName ? { employer: employerName } : {}),
  });
}

/** "Inloggegevens vergeten": sends a reset link when the login name belongs to an active user; answers the same either way. */
export async function requestPasswordReset(ctx: AppContext, loginName: string): Promise<void> {
  const now = nowOf(ctx);
  const user = await findUserByLogin(ctx.store.db, loginName);
  if (!user || (await activeMemberships(ctx.store.db, user.id, now)).length === 0) return;
  await sendPasswordLink(ctx, user, 'reset');
}

/** Checks a new password against the policy and the user's own names; throws a readable 400. */
export function assertPasswordAllowed(user: UserRow, password: string, lang: Language): void {
  const problem = passwordProblem(password, {
    firstName: user.first_name,
    lastName: user.last_name,
    loginName: user.login_name,
  });
  if (problem) {
    throw new AppError('validation_failed', t(lang, problem, { min: minPasswordLength }), [
      { path: 'password', message: t(lang, problem, { min: minPasswordLength }) },
    ]);
  }
}

/** Sets a password and ends every session of the user (after a reset nobody keeps an old session). */
export async function setPassword(ctx: AppContext, user: UserRow, password: string): Promise<void> {
  const now = nowOf(ctx);
  const hash = await hashPassword(password, ctx.config.scryptCost);
  await inTransaction(ctx.store.db, async (trx) => {
    await trx('users')
      .where({ id: user.id })
      .update({ password_hash: hash, password_changed_at: now, updated_at: now });
    await revokeUserSessions(trx, user.id, now);
  });
}

/** Completes an activation or reset link: the new password is set once, the link is used up. */
export async function completePasswordLink(
  ctx: AppContext,
  input: { token: string; password: string; lang: Language },
): Promise<void> {
  const now = nowOf(ctx);
  const link = await findLink(ctx.store.db, input.token, ['activate', 'reset'], now);
  const user = link && (await findUserById(ctx.store.db, link.user_id));
  if (!link || !user) throw new AppError('bad_request', t(input.lang, 'linkInvalid'));
  assertPasswordAllowed(user, input.password, input.lang);
  if (!(await useLink(ctx.store.db, link.id, now)))
    throw new AppError('bad_request', t(input.lang, 'linkInvalid'));
  await setPassword(ctx, user, input.password);
  await clearFailures(ctx.store.db, loginThrottle(ctx, user.login_name).key);
}
