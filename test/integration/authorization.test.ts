import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createTestStore, testConfig, testVault, type TestStore } from '../helpers/store.js';
import { startTestServer, type TestServer } from '../helpers/http.js';
import { createTestUser, asUser, type TestUser } from '../helpers/users.js';
import { addDepartment, addEmployee } from '../helpers/org.js';
import { createApp, allRoutes } from '../../src/api/app.js';
import { defineRoute } from '../../src/api/route.js';
import { upsertEmployer } from '../../src/store/employers.js';
import { createMachineToken } from '../../src/store/tokens.js';

describe('authorization layer', () => {
  let store: TestStore;
  let server: TestServer;
  const config = testConfig();
  let manager: TestUser;
  let superuser: TestUser;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    store = await createTestStore();
    const probe = defineRoute({
      method: 'get',
      path: '/api/v1/test-probe/:employeeId',
      summary: 'probe',
      tag: 'test',
      access: { capability: 'dossier.view', target: ({ params }) => ({ employeeId: params.employeeId }) },
      params: z.object({ employeeId: z.uuid() }).strict(),
      responses: { 200: { description: 'ok' } },
      handler: async ({ acting }) => ({ body: { employer: acting?.employer.code } }),
    });
    const edit = defineRoute({
      method: 'post',
      path: '/api/v1/test-edit/:employeeId',
      summary: 'edit probe',
      tag: 'test',
      access: { capability: 'masterdata.edit', target: ({ params }) => ({ employeeId: params.employeeId }) },
      params: z.object({ employeeId: z.uuid() }).strict(),
      responses: { 200: { description: 'ok' } },
      handler: async () => ({ body: { ok: true } }),
    });
    const ctx = { config, store, vault: testVault(store) };
    server = await startTestServer(createApp(ctx, [...allRoutes(), probe, edit]));
    const acme = await upsertEmployer(store.db, { code: 'acme', name: 'Acme' });
    const other = await upsertEmployer(store.db, { code: 'other', name: 'Other' });
    const linked = await upsertEmployer(store.db, { code: 'linked', name: 'Linked', linkMode: 'hr' });
    const root = await addDepartment(store, acme.id);
    const sales = await addDepartment(store, acme.id, root);
    const salesNorth = await addDepartment(store, acme.id, sales);
    const ops = await addDepartment(store, acme.id, root);
    ids.inScope = (await addEmployee(store, acme.id, salesNorth)).employeeId;
    ids.otherDept = (await addEmployee(store, acme.id, ops)).employeeId;
    ids.otherEmployer = (await addEmployee(store, other.id, null)).employeeId;
    ids.linked = (await addEmployee(store, linked.id, null)).employeeId;
    manager = await createTestUser(store, config, {
      employerId: acme.id,
      role: 'manager_view',
      scope: { kind: 'units', departmentIds: [sales], employeeIds: [] },
    });
    superuser = await createTestUser(store, config, { employerId: acme.id, role: 'superuser' });
    await createTestUser(store, config, {
      employerId: linked.id,
      role: 'superuser',
      loginName: superuser.loginName,
    });
  });
  afterAll(async () => {
    await server.close();
    await store.close();
  });

  it('When an employee is in a sub-department of the scope, then the route answers 200', async () => {
    const res = await server.request('GET', `/api/v1/test-probe/${ids.inScope}`, asUser(manager, 'acme'));
    expect(res.status).toBe(200);
    expect(res.body.employer).toBe('acme');
  });

  it('When an employee is in another department, then the route answers 403', async () => {
    const res = await server.request('GET', `/api/v1/test-probe/${ids.otherDept}`, asUser(manager, 'acme'));
    expect(res.status).toBe(403);
  });

  it('When an employee belongs to another employer, then the route answers 404', async () => {
    const res = await server.request(
      'GET',
      `/api/v1/test-probe/${ids.otherEmployer}`,
      asUser(manager, 'acme'),
    );
    expect(res.status).toBe(404);
  });

  it('When a role lacks the capability, then the route answers 403 naming the role', async () => {
    const res = await server.request('POST', `/api/v1/test-edit/${ids.inScope}`, asUser(manager, 'acme'));
    expect(res.status).toBe(403);
    expect(res.body.error.message).toContain('Leidinggevende zonder ziek/hersteld meldingen');
  });

  it('When a superuser edits master data of a linked employer, then it answers 409 link_owns_data (in Dutch by the user setting)', async () => {
    const res = await server.request('POST', `/api/v1/test-edit/${ids.linked}`, {
      ...asUser(superuser, 'linked'),
      headers: { 'x-employer': 'linked', 'accept-language': 'en' },
    });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('link_owns_data');
    expect(res.body.error.message).toContain('HR-koppeling beheert');
  });

  it('When a login with roles at two employers names none, then employer routes answer 403', async () => {
    const res = await server.request('GET', `/api/v1/test-probe/${ids.inScope}`, asUser(superuser));
    expect(res.status).toBe(403);
  });

  it('When a session user calls an operator route, then it answers 403', async () => {
    const res = await server.request('GET', '/api/v1/employers', asUser(superuser, 'acme'));
    expect(res.status).toBe(403);
  });

  it('When a machine token bound to one employer names another, then it is refused; without a header it acts at its own', async () => {
    const acme = (await store.db('employers').where({ code: 'acme' }).first('id')) as { id: string };
    const { token } = await createMachineToken(store.db, {
      name: 'arbo pull',
      capabilities: ['dossier.view'],
      employerId: acme.id,
      createdBy: 'test',
    });
    const own = await server.request('GET', `/api/v1/test-probe/${ids.otherDept}`, { token });
    const elsewhere = await server.request('GET', `/api/v1/test-probe/${ids.otherEmployer}`, {
      token,
      headers: { 'x-employer': 'other' },
    });
    expect(own.status).toBe(200);
    expect(own.body.employer).toBe('acme');
    expect(elsewhere.status).toBe(403);
  });
});
