import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore, testConfig, testVault, type TestStore } from '../helpers/store.js';
import { startTestServer, type TestServer } from '../helpers/http.js';
import { createTestUser, type TestUser } from '../helpers/users.js';
import { sentMails, waitForLinkToken } from '../helpers/mail.js';
import { createApp } from '../../src/api/app.js';
import { upsertEmployer } from '../../src/store/employers.js';
import { totpCodeAt, totpStep } from '../../src/auth/totp.js';
import { hashPassword } from '../../src/auth/password.js';

describe('login, second factor, sessions and password links', () => {
  let store: TestStore;
  let server: TestServer;
  const dataDir = mkdtempSync(join(tmpdir(), 'koppeling-login-'));
  const config = testConfig({ dataDir, loginMaxFailures: 3 });
  let clock = new Date('2026-11-28T09:00:05Z');
  const tick = (seconds: number) => (clock = new Date(clock.getTime() + seconds * 1000));
  let admin: TestUser;
  const password = 'paarse-olifant-fietst';
  let secret = '';
  let userId = '';
  let backupCodes: string[] = [];
  const en = { 'accept-language': 'en' };

  const login = (loginName: string, pw: string) =>
    server.request('POST', '/api/v1/auth/login', { body: { loginName, password: pw }, headers: en });
  const second = (challenge: string, factor: { code: string } | { backupCode: string }) =>
    server.request('POST', '/api/v1/auth/login/second-factor', {
      body: { challenge, ...factor },
      headers: en,
    });
  const codeNow = () => totpCodeAt(secret, totpStep(clock));
  /** A six-digit code that matches none of the steps the server accepts now. */
  const wrongCode = (seed: string) => {
    const accepted = [-1, 0, 1].map((d) => totpCodeAt(seed, totpStep(clock) + d));
    return ['000000', '111111', '222222', '333333'].find((c) => !accepted.includes(c))!;
  };
  /** A new user who has a password, a linked authenticator and a live session. */
  const enrolledUser = async (loginName: string) => {
    const acme = (await store.db('employers').where({ code: 'acme' }).first('id')) as { id: string };
    const user = await createTestUser(
      store,
      config,
      { employerId: acme.id, role: 'absence_reporter', loginName },
      clock,
    );
    await store
      .db('users')
      .where({ id: user.userId })
      .update({ password_hash: await hashPassword(password, config.scryptCost) });
    const step1 = await login(loginName, password);
    const seed = step1.body.enrollment.secret as string;
    const step2 = await second(step1.body.challenge, { code: totpCodeAt(seed, totpStep(clock)) });
    expect(step2.status).toBe(200);
    tick(30);
    return { seed, token: step2.body.token as string };
  };

  beforeAll(async () => {
    store = await createTestStore();
    server = await startTestServer(createApp({ config, store, vault: testVault(store), now: () => clock }));
    const acme = await upsertEmployer(store.db, { code: 'acme', name: 'Acme BV' });
    admin = await createTestUser(store, config, { employerId: acme.id, role: 'superuser' }, clock);
  });
  afterAll(async () => {
    await server.close();
    await store.close();
  });

  it('When a superuser creates a user, then the user is pending and gets an activation link by e-mail', async () => {
    const res = await server.request('POST', '/api/v1/users', {
      token: admin.token,
      headers: { 'x-employer': 'acme' },
      body: {
        firstName: 'Piet',
        lastName: 'Verhoeven',
        email: 'piet@example.nl',
        role: 'manager_view',
        loginName: 'pverhoeven',
        scope: { inherit: true },
      },
    });
    expect(res.status).toBe(201);
    expect(res.body.status).toBe('pending');
    userId = res.body.id;
    const mail = sentMails(dataDir).find((m) => m.to.includes('piet@example.nl'))!;
    expect(mail.subject).toBe('Uw account voor Koppeling');
    expect(mail.text).toContain('pverhoeven');
  });

  it('When the activation link is used with a password containing the own name, then it is refused and stays usable', async () => {
    const token = await waitForLinkToken(dataDir, 'piet@example.nl');
    const weak = await server.request('POST', '/api/v1/auth/password', {
      body: { token, password: 'verhoeven-2026-!!' },
      headers: en,
    });
    expect(weak.status).toBe(400);
    expect(weak.body.error.message).toContain('must not contain your name');
    const ok = await server.request('POST', '/api/v1/auth/password', { body: { token, password } });
    expect(ok.status).toBe(204);
    const again = await server.request('POST', '/api/v1/auth/password', { body: { token, password } });
    expect(again.status).toBe(400);
  });

  it('When the user logs in for the first time, then they enrol an authenticator and get backup codes once', async () => {
    const step1 = await login('PVerhoeven', password);
    expect(step1.status).toBe(200);
    expect(step1.body.next).toBe('enroll');
    secret = step1.body.enrollment.secret;
    expect(step1.body.enrollment.otpauthUrl).toMatch(/^otpauth:\/\/totp\//);
    const step2 = await second(step1.body.challenge, { code: codeNow() });
    expect(step2.status).toBe(200);
    expect(step2.body.backupCodes).toHaveLength(10);
    const me = await server.request('GET', '/api/v1/me', { token: step2.body.token });
    expect(me.status).toBe(200);
    expect(me.body.employers).toEqual([{ code: 'acme', role: 'manager_view', roleName: expect.any(String) }]);
    backupCodes = step2.body.backupCodes;
  });

  it('When a code is replayed within its step, then it is refused; the previous step is still accepted once', async () => {
    const used = codeNow();
    const s1 = await login('pverhoeven', password);
    expect(s1.body.next).toBe('totp');
    expect((await second(s1.body.challenge, { code: used })).status).toBe(401);
    tick(30);
    // The code of the step before now (one step of drift), not used yet.
    tick(30);
    const previous = totpCodeAt(secret, totpStep(clock) - 1);
    const ok = await second(s1.body.challenge, { code: previous });
    expect(ok.status).toBe(200);
    expect((await second(s1.body.challenge, { code: codeNow() })).status).toBe(401);
  });

  it('When a backup code is used, then it works once', async () => {
    const code = backupCodes[0]!;
    const s1 = await login('pverhoeven', password);
    expect((await second(s1.body.challenge, { backupCode: code })).status).toBe(200);
    const s2 = await login('pverhoeven', password);
    const reused = await second(s2.body.challenge, { backupCode: code });
    expect(reused.status).toBe(401);
    expect(reused.body.error.message).toContain('wrong or was already used');
  });

  it('When the password is wrong or the login name unknown, then the answers are identical', async () => {
    const wrong = await login('pverhoeven', 'niet-het-goede-wachtwoord');
    const unknown = await login('niemand-bekend', 'niet-het-goede-wachtwoord');
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);
  });

  it('When failures reach the limit, then the login name is locked, also for the right password, and the same for unknown names', async () => {
    await login('pverhoeven', 'niet-het-goede-wachtwoord');
    await login('pverhoeven', 'niet-het-goede-wachtwoord');
    const locked = await login('pverhoeven', password);
    expect(locked.status).toBe(429);
    for (let i = 0; i < 2; i++) await login('niemand-bekend', 'x');
    const lockedUnknown = await login('niemand-bekend', 'x');
    expect(lockedUnknown.status).toBe(429);
    expect(lockedUnknown.body).toEqual(locked.body);
    tick(config.loginLockMinutes * 60 + 1);
    expect((await login('pverhoeven', password)).status).toBe(200);
  });

  it('When a password reset is requested, then a single-use link sets a new password and ends old sessions', async () => {
    const s1 = await login('pverhoeven', password);
    tick(30);
    const session = await second(s1.body.challenge, { code: codeNow() });
    expect(session.status).toBe(200);
    const before = sentMails(dataDir).filter((m) => m.to.includes('piet@example.nl')).length;
    const unknown = await server.request('POST', '/api/v1/auth/password-reset', {
      body: { loginName: 'niemand' },
    });
    const res = await server.request('POST', '/api/v1/auth/password-reset', {
      body: { loginName: 'pverhoeven' },
    });
    expect(unknown.status).toBe(202);
    expect(res.status).toBe(202);
    const token = await waitForLinkToken(dataDir, 'piet@example.nl', before);
    const newPassword = 'groene-giraffe-zwemt';
    expect(
      (await server.request('POST', '/api/v1/auth/password', { body: { token, password: newPassword } }))
        .status,
    ).toBe(204);
    expect(
      (await server.request('POST', '/api/v1/auth/password', { body: { token, password: newPassword } }))
        .status,
    ).toBe(400);
    expect((await server.request('GET', '/api/v1/me', { token: session.body.token })).status).toBe(401);
    expect((await login('pverhoeven', password)).status).toBe(401);
    expect((await login('pverhoeven', newPassword)).status).toBe(200);
  });

  it('When many requests with one session arrive at once, then all are answered and the next one sees a revocation', async () => {
    const acme = (await store.db('employers').where({ code: 'acme' }).first('id')) as { id: string };
    const user = await createTestUser(
      store,
      config,
      { employerId: acme.id, role: 'absence_reporter' },
      clock,
    );
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => server.request('GET', '/api/v1/me', { token: user.token })),
    );
    expect(answers.map((a) => a.status)).toEqual(Array.from({ length: 20 }, () => 200));
    await store.db('user_sessions').where({ id: user.sessionId }).update({ revoked_at: clock });
    expect((await server.request('GET', '/api/v1/me', { token: user.token })).status).toBe(401);
  });

  it('When a session stays idle longer than the idle timeout, then it no longer works', async () => {
    const s1 = await login('pverhoeven', 'groene-giraffe-zwemt');
    tick(30);
    const session = await second(s1.body.challenge, { code: codeNow() });
    expect((await server.request('GET', '/api/v1/me', { token: session.body.token })).status).toBe(200);
    tick(config.sessionIdleMinutes * 60 + 1);
    expect((await server.request('GET', '/api/v1/me', { token: session.body.token })).status).toBe(401);
  });

  it('When a user is deactivated, then their session stops working and they cannot log in', async () => {
    const s1 = await login('pverhoeven', 'groene-giraffe-zwemt');
    tick(30);
    const session = await second(s1.body.challenge, { code: codeNow() });
    const adminSession = await createTestUser(
      store,
      config,
      { employerId: (await store.db('employers').first('id')).id, role: 'superuser' },
      clock,
    );
    const res = await server.request('POST', `/api/v1/users/${userId}/deactivate`, {
      token: adminSession.token,
      headers: { 'x-employer': 'acme' },
      body: {},
    });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('expired');
    tick(1);
    expect((await server.request('GET', '/api/v1/me', { token: session.body.token })).status).toBe(401);
    expect((await login('pverhoeven', 'groene-giraffe-zwemt')).status).toBe(401);
  });

  it('When an operator revokes a machine token, then the token stops working at once', async () => {
    const created = await server.request('POST', '/api/v1/tokens', {
      token: config.adminToken!,
      body: { name: 'arbo systems', capabilities: ['employees.find'], employer: 'acme' },
    });
    expect(created.status).toBe(201);
    const listed = await server.request('GET', '/api/v1/tokens', { token: config.adminToken! });
    expect(JSON.stringify(listed.body)).not.toContain(created.body.token);
    expect((await server.request('GET', '/api/v1/departments', { token: created.body.token })).status).toBe(
      200,
    );
    expect((await server.request('GET', '/api/v1/users', { token: created.body.token })).status).toBe(403);
    expect(
      (await server.request('DELETE', `/api/v1/tokens/${created.body.id}`, { token: config.adminToken! }))
        .status,
    ).toBe(204);
    expect((await server.request('GET', '/api/v1/departments', { token: created.body.token })).status).toBe(
      401,
    );
  });

  it('When many wrong codes arrive at once on one challenge, then at most the limit is checked, the rest and a right code are refused as locked', async () => {
    const { seed } = await enrolledUser('gelijktijdig');
    const step1 = await login('gelijktijdig', password);
    const wrong = wrongCode(seed);
    const answers = await Promise.all(
      Array.from({ length: 3 * config.loginMaxFailures }, () =>
        second(step1.body.challenge, { code: wrong }),
      ),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(config.loginMaxFailures);
    expect(statuses.filter((s) => s === 429)).toHaveLength(2 * config.loginMaxFailures);
    const right = await second(step1.body.challenge, { code: totpCodeAt(seed, totpStep(clock)) });
    expect(right.status).toBe(429);
    expect(right.body.error.message).toContain('Too many failed attempts');
  });

  it('When wrong codes are sent to link a new authenticator, then the account is locked as after failed logins', async () => {
    const { seed, token } = await enrolledUser('nieuw-apparaat');
    const relink = (code: string) =>
      server.request('POST', '/api/v1/me/two-factor', { token, body: { code }, headers: en });
    for (let i = 0; i < config.loginMaxFailures; i++)
      expect((await relink(wrongCode(seed))).status).toBe(400);
    expect((await relink(totpCodeAt(seed, totpStep(clock)))).status).toBe(429);
    expect((await login('nieuw-apparaat', password)).status).toBe(429);
    tick(config.loginLockMinutes * 60 + 1);
    expect((await relink(totpCodeAt(seed, totpStep(clock)))).status).toBe(200);
  });

  it('When the e-mail address is changed without the current password, then it is refused; with it, the link is sent', async () => {
    const { token } = await enrolledUser('nieuw-adres');
    const change = (body: Record<string, string>) =>
      server.request('POST', '/api/v1/me/email', { token, body, headers: en });
    const missing = await change({ email: 'ander@example.nl' });
    expect(missing.status).toBe(400);
    expect(missing.body.error.details).toEqual([
      { path: 'currentPassword', message: expect.stringContaining('current password') },
    ]);
    const wrong = await change({ email: 'ander@example.nl', currentPassword: 'niet-het-goede-wachtwoord' });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.details[0].path).toBe('currentPassword');
    expect(sentMails(dataDir).some((m) => m.to.includes('ander@example.nl'))).toBe(false);
    expect((await change({ email: 'ander@example.nl', currentPassword: password })).status).toBe(202);
    await waitForLinkToken(dataDir, 'ander@example.nl');
  });
});
