import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore, testConfig, testVault, type TestStore } from '../helpers/store.js';
import { startTestServer, type TestServer } from '../helpers/http.js';
import { asUser, createTestUser, type TestUser } from '../helpers/users.js';
import { seedEmployee } from '../helpers/absence.js';
import { addDepartment } from '../helpers/org.js';
import { createApp } from '../../src/api/app.js';
import { upsertEmployer } from '../../src/store/employers.js';
import { employerRoles, roleHas, type EmployerRole } from '../../src/domain/roles.js';
import type { EmployerCapability } from '../../src/domain/capabilities.js';
import { addDays, todayIn } from '../../src/domain/dates.js';
import { reportSick } from '../../src/absence/cases.js';
import { reportPregnancy } from '../../src/absence/pregnancy.js';
import { tasksOfCase } from '../../src/absence/tasks.js';

const today = todayIn('Europe/Amsterdam');

describe('Absence API per role', () => {
  let store: TestStore;
  let server: TestServer;
  const config = testConfig();
  const users = {} as Record<EmployerRole, TestUser>;
  /** A fresh employee per role, so each role's reports do not collide. */
  const employeeOf = {} as Record<EmployerRole, string>;
  /** A second employee per role with an open case (and its first task) made through the use case. */
  const sickOf = {} as Record<
    EmployerRole,
    { employeeId: string; caseId: string; taskId: string; pregnancyId: string }
  >;
  let employerId: string;

  beforeAll(async () => {
    store = await createTestStore();
    server = await startTestServer(createApp({ config, store, vault: testVault(store) }));
    employerId = (await upsertEmployer(store.db, { code: 'roles-acme', name: 'Acme' })).id;
    const dept = await addDepartment(store, employerId);
    for (const role of employerRoles) {
      users[role] = await createTestUser(store, config, { employerId, role });
      employeeOf[role] = (await seedEmployee(store.db, { employerId, departmentId: dept })).employeeId;
      const sick = (await seedEmployee(store.db, { employerId, departmentId: dept })).employeeId;
      const ctx = { db: store.db, actor: { type: 'system' as const, id: 'test' }, today };
      const { caseId } = await reportSick(ctx, sick, { firstSickDay: addDays(today, -3), percentage: 100 });
      const { pregnancy } = await reportPregnancy(ctx, sick, {
        expectedDate: addDays(today, 100),
        lastWorkingDay: addDays(today, 70),
      });
      const taskId = (await tasksOfCase(store.db, caseId, today))[0]!.id;
      sickOf[role] = { employeeId: sick, caseId, taskId, pregnancyId: pregnancy.id };
    }
  });
  afterAll(async () => {
    await server.close();
    await store.close();
  });

  const call = (role: EmployerRole, method: string, path: string, body?: unknown) =>
    server.request(method, path, { ...asUser(users[role], 'roles-acme'), body });

  const cases: Array<{
    what: string;
    capability: EmployerCapability;
    ok: number;
    run: (r: EmployerRole) => ReturnType<typeof call>;
  }> = [
    {
      what: 'search employees',
      capability: 'employees.find',
      ok: 200,
      run: (r) => call(r, 'GET', '/api/v1/employees?name=jansen'),
    },
    {
      what: 'see the organisation tree',
      capability: 'employees.find',
      ok: 200,
      run: (r) => call(r, 'GET', '/api/v1/organisation'),
    },
    {
      what: 'report sick',
      capability: 'absence.report',
      ok: 201,
      run: (r) =>
        call(r, 'POST', `/api/v1/employees/${employeeOf[r]}/absence-cases`, {
          firstSickDay: today,
          percentage: 100,
        }),
    },
    {
      what: 'report a pregnancy',
      capability: 'pregnancy.report',
      ok: 201,
      run: (r) =>
        call(r, 'POST', `/api/v1/employees/${employeeOf[r]}/pregnancies`, {
          expectedDate: addDays(today, 100),
          lastWorkingDay: addDays(today, 100 - 30),
        }),
    },
    {
      what: 'read the cases',
      capability: 'dossier.view',
      ok: 200,
      run: (r) => call(r, 'GET', `/api/v1/employees/${employeeOf[r]}/absence-cases`),
    },
    {
      what: 'read the notes',
      capability: 'dossier.view',
      ok: 200,
      run: (r) => call(r, 'GET', `/api/v1/employees/${employeeOf[r]}/notes`),
    },
    {
      what: 'write a note',
      capability: 'casefile.write',
      ok: 201,
      run: (r) =>
        call(r, 'POST', `/api/v1/employees/${employeeOf[r]}/notes`, { text: 'Contact moment by phone' }),
    },
    { what: 'see the tasks', capability: 'tasks.use', ok: 200, run: (r) => call(r, 'GET', '/api/v1/tasks') },
    {
      what: 'flag a task',
      capability: 'tasks.use',
      ok: 200,
      run: (r) =>
        call(r, 'POST', `/api/v1/employees/${sickOf[r].employeeId}/tasks/${sickOf[r].taskId}`, {
          action: 'flag',
          important: true,
        }),
    },
    {
      what: 'open a case dossier',
      capability: 'dossier.view',
      ok: 200,
      run: (r) =>
        call(r, 'GET', `/api/v1/employees/${sickOf[r].employeeId}/absence-cases/${sickOf[r].caseId}`),
    },
    {
      what: 'read the pregnancies',
      capability: 'dossier.view',
      ok: 200,
      run: (r) => call(r, 'GET', `/api/v1/employees/${sickOf[r].employeeId}/pregnancies`),
    },
    {
      what: 'correct a sick report',
      capability: 'absence.report',
      ok: 200,
      run: (r) =>
        call(
          r,
          'POST',
          `/api/v1/employees/${sickOf[r].employeeId}/absence-cases/${sickOf[r].caseId}/correction`,
          {
            safetyNet: true,
          },
        ),
    },
    {
      what: 'report a partial recovery',
      capability: 'absence.report',
      ok: 200,
      run: (r) =>
        call(
          r,
          'POST',
          `/api/v1/employees/${sickOf[r].employeeId}/absence-cases/${sickOf[r].caseId}/percentage`,
          {
            from: addDays(today, -1),
            percentage: 50,
          },
        ),
    },
    {
      what: 'report full recovery',
      capability: 'absence.report',
      ok: 200,
      run: (r) =>
        call(
          r,
          'POST',
          `/api/v1/employees/${sickOf[r].employeeId}/absence-cases/${sickOf[r].caseId}/recovery`,
          {
            lastSickDay: today,
          },
        ),
    },
    {
      what: 'correct a pregnancy',
      capability: 'pregnancy.report',
      ok: 200,
      run: (r) =>
        call(
          r,
          'POST',
          `/api/v1/employees/${sickOf[r].employeeId}/pregnancies/${sickOf[r].pregnancyId}/correction`,
          {
            lastWorkingDay: addDays(today, 65),
          },
        ),
    },
    {
      what: 'end a pregnancy',
      capability: 'pregnancy.report',
      ok: 200,
      run: (r) =>
        call(
          r,
          'POST',
          `/api/v1/employees/${sickOf[r].employeeId}/pregnancies/${sickOf[r].pregnancyId}/end`,
          {
            endDate: today,
            reason: 'other',
          },
        ),
    },
  ];

  for (const role of employerRoles) {
    for (const c of cases) {
      const allowed = roleHas(role, c.capability);
      it(`When a ${role} tries to ${c.what}, then the answer is ${allowed ? c.ok : 403}`, async () => {
        const res = await c.run(role);
        expect(res.status, JSON.stringify(res.body)).toBe(allowed ? c.ok : 403);
      });
    }
  }
});
