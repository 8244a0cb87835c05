import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore, testConfig, testVault, type TestStore } from '../helpers/store.js';
import { startTestServer, type TestServer } from '../helpers/http.js';
import { createTestUser, type TestUser } from '../helpers/users.js';
import { addDepartment } from '../helpers/org.js';
import {
  freshFixture,
  knownParams,
  linkLogin,
  requestFor,
  touchedKinds,
  type Fixture,
} from '../helpers/matrix.js';
import { allRoutes, createApp } from '../../src/api/app.js';
import { isEmployerAccess, type RouteDef } from '../../src/api/route.js';
import { employerRoles, roleHas, type EmployerRole } from '../../src/domain/roles.js';
import { upsertEmployer } from '../../src/store/employers.js';
import { createSession } from '../../src/store/sessions.js';

type Situation = 'own scope' | 'other department' | 'other employer' | 'linked employer';
const situations: Situation[] = ['own scope', 'other department', 'other employer', 'linked employer'];
const routes = allRoutes().filter((r) => r.access !== 'public');
const label = (r: RouteDef) => `${r.method.toUpperCase()} ${r.path}`;

/** What the matrix says a role gets for a route in a situation: a status class or an exact status. */
function expected(
  role: EmployerRole,
  route: RouteDef,
  situation: Situation,
): '2xx' | 'admitted' | 403 | 404 | 409 {
  // Own-account routes need secrets (current password, authenticator code) the matrix does not
  // have: it checks that every role is let through; their flows have tests of their own.
  if (!isEmployerAccess(route.access)) return route.access === 'account' ? 'admitted' : 403;
  const cap = route.access.capability;
  if (!roleHas(role, cap)) return 403;
  const kinds = touchedKinds(route);
  // Changing a user is reaching what they see: one of another department is out of reach too.
  const changesUser = kinds.has('userId') && route.method !== 'get';
  const touchesEmployees =
    ['employeeId', 'departmentId', 'employmentId'].some((k) => kinds.has(k)) || changesUser;
  if (situation === 'other employer') return kinds.size > 0 ? 404 : '2xx';
  if (situation === 'other department') return touchesEmployees ? 403 : '2xx';
  if (situation === 'linked employer') return cap === 'masterdata.edit' ? 409 : '2xx';
  return '2xx';
}

/** True when the role gets past the capability check of the route. */
function roleMayPass(role: EmployerRole, route: RouteDef): boolean {
  if (!isEmployerAccess(route.access)) return route.access === 'account';
  return roleHas(role, route.access.capability);
}

describe('role matrix (generated from the routes and the matrix data)', () => {
  let store: TestStore;
  let server: TestServer;
  const config = testConfig({ dataDir: mkdtempSync(join(tmpdir(), 'koppeling-matrix-')) });
  const users = new Map<EmployerRole, TestUser>();
  const sessionPolicy = { hours: config.sessionHours, idleMinutes: config.sessionIdleMinutes };
  const bases = {} as Record<Situation, { employerId: string; departmentId: string; actAs: string }>;
  const shared = {} as Record<Situation, Fixture>;

  beforeAll(async () => {
    store = await createTestStore();
    server = await startTestServer(createApp({ config, store, vault: testVault(store) }));
    const acme = await upsertEmployer(store.db, { code: 'acme', name: 'Acme' });
    const other = await upsertEmployer(store.db, { code: 'other', name: 'Other' });
    const linked = await upsertEmployer(store.db, { code: 'linked', name: 'Linked', linkMode: 'hr_absence' });
    const root = await addDepartment(store, acme.id);
    const scoped = await addDepartment(store, acme.id, root);
    const scopedChild = await addDepartment(store, acme.id, scoped);
    const sibling = await addDepartment(store, acme.id, root);
    const otherDept = await addDepartment(store, other.id);
    const linkedDept = await addDepartment(store, linked.id);
    bases['own scope'] = { employerId: acme.id, departmentId: scopedChild, actAs: 'acme' };
    bases['other department'] = { employerId: acme.id, departmentId: sibling, actAs: 'acme' };
    bases['other employer'] = { employerId: other.id, departmentId: otherDept, actAs: 'acme' };
    bases['linked employer'] = { employerId: linked.id, departmentId: linkedDept, actAs: 'linked' };
    for (const situation of situations) {
      shared[situation] = await freshFixture(
        store,
        bases[situation].employerId,
        bases[situation].departmentId,
      );
    }
    for (const role of employerRoles) {
      const user = await createTestUser(store, config, {
        employerId: acme.id,
        role,
        scope: { kind: 'units', departmentIds: [scoped], employeeIds: [] },
      });
      await linkLogin(store, user.userId, linked.id, role, [linkedDept]);
      users.set(role, user);
    }
  });
  afterAll(async () => {
    await server.close();
    await store.close();
  });

  it('When the routes are listed, then every route is covered: known parameters and an example for each body', () => {
    const uncovered = routes.flatMap((r) => {
      const problems: string[] = [];
      for (const m of r.path.matchAll(/:([A-Za-z]+)/g)) {
        if (isEmployerAccess(r.access) && !knownParams.has(m[1]!))
          problems.push(`parameter :${m[1]} has no fixture`);
      }
      if (isEmployerAccess(r.access) && r.body && r.example?.body === undefined)
        problems.push('no example body');
      return problems.map((p) => `${label(r)}: ${p}`);
    });
    expect(uncovered).toEqual([]);
  });

  async function call(route: RouteDef, token: string, actAs: string, f: Fixture) {
    const { path, body, query } = requestFor(route, f);
    return server.request(route.method.toUpperCase(), path + query, {
      token,
      headers: { 'x-employer': actAs, 'accept-language': 'en' },
      ...(body !== undefined ? { body } : {}),
    });
  }

  for (const route of routes) {
    for (const role of employerRoles) {
      it(`When a ${role} calls ${label(route)}, then the answer follows the matrix in every situation`, async () => {
        const outcomes: string[] = [];
        for (const situation of situations) {
          const want = expected(role, route, situation);
          if (!isEmployerAccess(route.access) && situation !== 'own scope') continue;
          const base = bases[situation];
          // Refused before any object is looked at: the shared objects of the situation will do.
          const f =
            want === 403 && !roleMayPass(role, route)
              ? shared[situation]
              : await freshFixture(store, base.employerId, base.departmentId, touchedKinds(route));
          // Own-account routes get a fresh session: logout and password changes end the session they run in.
          const token =
            route.access === 'account'
              ? (await createSession(store.db, users.get(role)!.userId, sessionPolicy, new Date())).token
              : users.get(role)!.token;
          const res = await call(route, token, base.actAs, f);
          const ok =
            want === '2xx'
              ? res.status >= 200 && res.status < 300
              : want === 'admitted'
                ? ![401, 403, 404].includes(res.status) && res.status < 500
                : res.status === want;
          if (!ok)
            outcomes.push(`${situation}: expected ${want}, got ${res.status} ${JSON.stringify(res.body)}`);
        }
        expect(outcomes).toEqual([]);
      });
    }
    it(`When the operator calls ${label(route)}, then only operator routes let it through`, async () => {
      const base = bases['own scope'];
      const f = await freshFixture(store, base.employerId, base.departmentId, touchedKinds(route));
      const res = await call(route, config.adminToken!, base.actAs, f);
      if (isEmployerAccess(route.access) || route.access === 'account') expect(res.status).toBe(403);
      else expect([401, 403]).not.toContain(res.status);
    });
    if (route.body && route.example?.body !== undefined && typeof route.example.body === 'object') {
      it(`When ${label(route)} gets an unknown field, then it answers 400 (no mass assignment)`, async () => {
        const base = bases['own scope'];
        const f = await freshFixture(store, base.employerId, base.departmentId, touchedKinds(route));
        const token = isEmployerAccess(route.access)
          ? (await createSession(store.db, users.get('superuser')!.userId, sessionPolicy, new Date())).token
          : config.adminToken!;
        const { path, body } = requestFor(route, f);
        const res = await server.request(route.method.toUpperCase(), path, {
          token,
          headers: { 'x-employer': base.actAs },
          body: { ...(body as object), role: 'superuser', isAdmin: true },
        });
        expect(res.status).toBe(400);
      });
    }
  }
});
