import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore, testConfig, testVault, type TestStore } from '../helpers/store.js';
import { startTestServer, type TestServer } from '../helpers/http.js';
import { asUser, createTestUser, type TestUser } from '../helpers/users.js';
import { addDepartment, addEmployee } from '../helpers/org.js';
import { createApp } from '../../src/api/app.js';
import { upsertEmployer } from '../../src/store/employers.js';

describe('user management rules', () => {
  let store: TestStore;
  let server: TestServer;
  const config = testConfig({ dataDir: mkdtempSync(join(tmpdir(), 'koppeling-users-')) });
  let su: TestUser;
  let deptSu: TestUser;
  let sickOnly: TestUser;
  let otherUser: TestUser;
  let inside = '';
  let outside = '';
  const newUser = (extra: Record<string, unknown>) => ({
    firstName: 'Kees',
    lastName: 'Smit',
    email: 'kees@example.nl',
    role: 'absence_reporter',
    loginName: `kees-${Math.random().toString(36).slice(2, 8)}`,
    scope: { inherit: true },
    ...extra,
  });

  beforeAll(async () => {
    store = await createTestStore();
    server = await startTestServer(createApp({ config, store, vault: testVault(store) }));
    const acme = await upsertEmployer(store.db, { code: 'acme', name: 'Acme' });
    const other = await upsertEmployer(store.db, { code: 'other', name: 'Other' });
    inside = await addDepartment(store, acme.id);
    outside = await addDepartment(store, acme.id);
    await addEmployee(store, acme.id, inside);
    su = await createTestUser(store, config, { employerId: acme.id, role: 'superuser' });
    deptSu = await createTestUser(store, config, {
      employerId: acme.id,
      role: 'superuser',
      scope: { kind: 'units', departmentIds: [inside], employeeIds: [] },
    });
    sickOnly = await createTestUser(store, config, {
      employerId: acme.id,
      role: 'superuser_linked_sick_only',
    });
    otherUser = await createTestUser(store, config, { employerId: other.id, role: 'superuser' });
  });
  afterAll(async () => {
    await server.close();
    await store.close();
  });

  it('When a superuser tries to change their own role or scope, then it answers 403', async () => {
    const role = await server.request('PATCH', `/api/v1/users/${su.userId}`, {
      ...asUser(su, 'acme'),
      body: { role: 'superuser' },
    });
    const scope = await server.request('PUT', `/api/v1/users/${deptSu.userId}/scope`, {
      ...asUser(deptSu, 'acme'),
      body: { inherit: true },
    });
    expect(role.status).toBe(403);
    expect(scope.status).toBe(403);
  });

  it('When a user sends a role field to their own account, then it answers 400 (no mass assignment)', async () => {
    const res = await server.request('PATCH', '/api/v1/me', {
      ...asUser(sickOnly, 'acme'),
      body: { role: 'superuser' },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].message).toContain('role');
  });

  it('When a superuser with fewer rights grants a role with more, then it answers 403', async () => {
    const res = await server.request('POST', '/api/v1/users', {
      ...asUser(sickOnly, 'acme'),
      body: newUser({ role: 'superuser' }),
    });
    expect(res.status).toBe(403);
    const ok = await server.request('POST', '/api/v1/users', {
      ...asUser(sickOnly, 'acme'),
      body: newUser({}),
    });
    expect(ok.status).toBe(201);
  });

  it('When a department-scoped superuser grants a wider scope, then it answers 403', async () => {
    const wide = await server.request('POST', '/api/v1/users', {
      ...asUser(deptSu, 'acme'),
      body: newUser({}),
    });
    const sideways = await server.request('POST', '/api/v1/users', {
      ...asUser(deptSu, 'acme'),
      body: newUser({ scope: { departmentIds: [outside] } }),
    });
    const ok = await server.request('POST', '/api/v1/users', {
      ...asUser(deptSu, 'acme'),
      body: newUser({ scope: { departmentIds: [inside] } }),
    });
    expect([wide.status, sideways.status, ok.status]).toEqual([403, 403, 201]);
  });

  it('When a department-scoped superuser changes a user who sees more than they do, then it answers 403', async () => {
    const wide = await server.request('POST', '/api/v1/users', {
      ...asUser(su, 'acme'),
      body: newUser({ role: 'manager_view' }),
    });
    expect(wide.status).toBe(201);
    const id = wide.body.id as string;
    const attempts = [
      server.request('PATCH', `/api/v1/users/${id}`, {
        ...asUser(deptSu, 'acme'),
        body: { role: 'superuser' },
      }),
      server.request('PUT', `/api/v1/users/${id}/scope`, {
        ...asUser(deptSu, 'acme'),
        body: { departmentIds: [inside] },
      }),
      server.request('POST', `/api/v1/users/${id}/deactivate`, { ...asUser(deptSu, 'acme'), body: {} }),
      // A reset would cancel the wider user's activation link and mail them a new one.
      server.request('POST', `/api/v1/users/${id}/password-reset`, asUser(deptSu, 'acme')),
      server.request('POST', `/api/v1/users/${id}/password-reset`, asUser(sickOnly, 'acme')),
    ];
    expect((await Promise.all(attempts)).map((r) => r.status)).toEqual([403, 403, 403, 403, 403]);
    const reachable = await server.request('POST', '/api/v1/users', {
      ...asUser(deptSu, 'acme'),
      body: newUser({ scope: { departmentIds: [inside] } }),
    });
    expect(reachable.status).toBe(201);
    const reset = await server.request(
      'POST',
      `/api/v1/users/${reachable.body.id as string}/password-reset`,
      asUser(deptSu, 'acme'),
    );
    expect(reset.status).toBe(202);
    const stored = await server.request('GET', `/api/v1/users/${id}`, asUser(su, 'acme'));
    expect(stored.body).toMatchObject({ role: 'manager_view', status: 'pending' });
  });

  it('When a login is also used at another employer, then a superuser here cannot rename it', async () => {
    const shared = await createTestUser(store, config, {
      employerId: (await store.db('employers').where({ code: 'acme' }).first()).id,
      role: 'absence_reporter',
    });
    await store.db('user_memberships').insert({
      user_id: shared.userId,
      employer_id: (await store.db('employers').where({ code: 'other' }).first()).id,
      role: 'absence_reporter',
    });
    const rename = await server.request('PATCH', `/api/v1/users/${shared.userId}`, {
      ...asUser(su, 'acme'),
      body: { loginName: 'someone-else' },
    });
    expect(rename.status).toBe(403);
    expect(rename.body.error.message).toBe(
      'Deze inlognaam wordt ook bij een andere werkgever gebruikt en wordt daarom hier niet gewijzigd.',
    );
    const role = await server.request('PATCH', `/api/v1/users/${shared.userId}`, {
      ...asUser(su, 'acme'),
      body: { role: 'manager_view' },
    });
    expect(role.status).toBe(200);
  });

  it('When a department-scoped superuser adds a department at the top or moves one there, then it answers 403', async () => {
    const top = await server.request('POST', '/api/v1/departments', {
      ...asUser(deptSu, 'acme'),
      body: { code: 'TOP-1', name: 'Bovenaan' },
    });
    expect(top.status).toBe(403);
    const below = await server.request('POST', '/api/v1/departments', {
      ...asUser(deptSu, 'acme'),
      body: { code: 'SUB-1', name: 'Eronder', parentId: inside },
    });
    expect(below.status).toBe(201);
    const moved = await server.request('PATCH', `/api/v1/departments/${below.body.id}`, {
      ...asUser(deptSu, 'acme'),
      body: { parentId: null },
    });
    expect(moved.status).toBe(403);
    const byWholeEmployer = await server.request('POST', '/api/v1/departments', {
      ...asUser(su, 'acme'),
      body: { code: 'TOP-2', name: 'Bovenaan' },
    });
    expect(byWholeEmployer.status).toBe(201);
  });

  it('When two-factor is switched off in a new user, then it answers 400', async () => {
    const res = await server.request('POST', '/api/v1/users', {
      ...asUser(su, 'acme'),
      body: newUser({ twoFactor: false }),
    });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain('two-factor');
  });

  it('When a superuser addresses a user of another employer, then it answers 404', async () => {
    const res = await server.request('GET', `/api/v1/users/${otherUser.userId}`, asUser(su, 'acme'));
    expect(res.status).toBe(404);
    const reset = await server.request(
      'POST',
      `/api/v1/users/${otherUser.userId}/password-reset`,
      asUser(su, 'acme'),
    );
    expect(reset.status).toBe(404);
  });

  it('When a user is deactivated at a later date, then the date is kept and the user is not expired yet', async () => {
    const created = await server.request('POST', '/api/v1/users', {
      ...asUser(su, 'acme'),
      body: newUser({}),
    });
    const later = new Date(Date.now() + 86_400_000).toISOString();
    const res = await server.request('POST', `/api/v1/users/${created.body.id}/deactivate`, {
      ...asUser(su, 'acme'),
      body: { at: later },
    });
    expect(res.status).toBe(200);
    expect(new Date(res.body.validUntil).getTime()).toBe(new Date(later).getTime());
    // No password chosen yet: pending, not expired, until the date passes.
    expect(res.body.status).toBe('pending');
    const list = await server.request('GET', '/api/v1/users', asUser(su, 'acme'));
    expect(list.body.users.map((u: { id: string }) => u.id)).toContain(created.body.id);
  });

  it('When a login name is taken, then creating or renaming to it answers 409', async () => {
    const first = await server.request('POST', '/api/v1/users', {
      ...asUser(su, 'acme'),
      body: newUser({ loginName: 'dubbel' }),
    });
    const second = await server.request('POST', '/api/v1/users', {
      ...asUser(su, 'acme'),
      body: newUser({ loginName: 'DUBBEL' }),
    });
    expect(first.status).toBe(201);
    expect(second.status).toBe(409);
  });
});
