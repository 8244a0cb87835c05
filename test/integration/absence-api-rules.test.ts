import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore, testConfig, testVault, type TestStore } from '../helpers/store.js';
import { startTestServer, type TestServer } from '../helpers/http.js';
import { asUser, createTestUser, type TestUser } from '../helpers/users.js';
import { seedEmployee, seedEmployment } from '../helpers/absence.js';
import { addDepartment } from '../helpers/org.js';
import { createApp } from '../../src/api/app.js';
import { upsertEmployer } from '../../src/store/employers.js';
import { addDays, todayIn } from '../../src/domain/dates.js';

const today = todayIn('Europe/Amsterdam');

describe('Absence API rules', () => {
  let store: TestStore;
  let server: TestServer;
  const config = testConfig();
  let su: TestUser;
  let salesManager: TestUser;
  const ids: Record<string, string> = {};
  const su$ = (method: string, path: string, body?: unknown) =>
    server.request(method, path, { ...asUser(su, 'rules-acme'), body });
  const mgr$ = (method: string, path: string, body?: unknown) =>
    server.request(method, path, { ...asUser(salesManager, 'rules-acme'), body });

  beforeAll(async () => {
    store = await createTestStore();
    server = await startTestServer(createApp({ config, store, vault: testVault(store) }));
    const employerId = (await upsertEmployer(store.db, { code: 'rules-acme', name: 'Acme' })).id;
    const otherId = (await upsertEmployer(store.db, { code: 'rules-other', name: 'Other' })).id;
    ids.root = await addDepartment(store, employerId);
    ids.sales = await addDepartment(store, employerId, ids.root);
    ids.ops = await addDepartment(store, employerId, ids.root);
    ids.anna = (
      await seedEmployee(store.db, {
        employerId,
        departmentId: ids.sales,
        lastName: 'de Vries',
        firstName: 'Anna',
        birthDate: '1980-02-29',
      })
    ).employeeId;
    ids.bert = (
      await seedEmployee(store.db, {
        employerId,
        departmentId: ids.ops,
        lastName: 'Bakker',
        firstName: 'Bert',
      })
    ).employeeId;
    ids.carla = (
      await seedEmployee(store.db, {
        employerId,
        departmentId: ids.sales,
        lastName: 'Vriesman',
        firstName: 'Carla',
        startDate: '2019-01-01',
        endDate: '2025-12-31',
      })
    ).employeeId;
    ids.foreign = (await seedEmployee(store.db, { employerId: otherId, lastName: 'de Vries' })).employeeId;
    su = await createTestUser(store, config, { employerId, role: 'superuser' });
    salesManager = await createTestUser(store, config, {
      employerId,
      role: 'manager_reports',
      scope: { kind: 'units', departmentIds: [ids.sales], employeeIds: [] },
    });
  });
  afterAll(async () => {
    await server.close();
    await store.close();
  });

  it('When a body carries a field outside the schema, then the answer is 400 naming that field', async () => {
    const res = await su$('POST', `/api/v1/employees/${ids.anna}/absence-cases`, {
      firstSickDay: today,
      percentage: 100,
      diagnosis: 'flu',
    });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body.error.details)).toContain('diagnosis');
    expect(await store.db('absence_cases').where({ employee_id: ids.anna })).toHaveLength(0);
  });

  it('When a classification outside the list is sent, then it is refused', async () => {
    const res = await su$('POST', `/api/v1/employees/${ids.anna}/absence-cases`, {
      firstSickDay: today,
      percentage: 100,
      classification: 'burnout',
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].path).toBe('classification');
  });

  it('When a first sick day after today is reported, then the message names both dates', async () => {
    const res = await su$('POST', `/api/v1/employees/${ids.anna}/absence-cases`, {
      firstSickDay: addDays(today, 1),
      percentage: 100,
    });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain(`after today (${today})`);
  });

  it('When hours not worked are reported, then they are converted against the contract hours and a second report conflicts', async () => {
    const res = await su$('POST', `/api/v1/employees/${ids.anna}/absence-cases`, {
      firstSickDay: today,
      hoursNotWorked: 2,
      note: 'Called in',
    });
    expect(res.status).toBe(201);
    expect(res.body.warnings.join(' ')).toMatch(/medical data/);
    ids.annaCase = res.body.caseId;
    const dossier = await su$('GET', `/api/v1/employees/${ids.anna}/absence-cases/${ids.annaCase}`);
    expect(dossier.body.case.timeline).toEqual([{ from: today, until: null, percentage: 25 }]);
    expect(dossier.body.history[0]).toMatchObject({
      kind: 'sick_report',
      actorType: 'user',
      actorId: su.userId,
    });
    expect(dossier.body.tasks.length).toBeGreaterThan(10);
    const again = await su$('POST', `/api/v1/employees/${ids.anna}/absence-cases`, {
      firstSickDay: today,
      percentage: 50,
    });
    expect(again.status).toBe(409);
  });

  it('When a note is written, then it is readable in the case file but appears in no audit event or report history', async () => {
    const text = 'Secret remark 7f3a about adjusted work';
    const res = await su$('POST', `/api/v1/employees/${ids.anna}/notes`, {
      text,
      absenceCaseId: ids.annaCase,
    });
    expect(res.status).toBe(201);
    expect(res.body.warnings[0]).toMatch(/medical data/);
    const notes = await su$('GET', `/api/v1/employees/${ids.anna}/notes`);
    expect(notes.body.notes.map((n: { text: string }) => n.text)).toContain(text);
    const audit = JSON.stringify(await store.db('audit_events').select('details'));
    const history = JSON.stringify(await store.db('case_reports').select('details'));
    expect(audit).not.toContain('7f3a');
    expect(history).not.toContain('7f3a');
    expect(audit).not.toContain('Called in');
  });

  it('When a manager scoped to sales searches, then only sales employees in service are found unless former ones are asked for', async () => {
    const res = await mgr$('GET', '/api/v1/employees?name=vries');
    expect(res.status).toBe(200);
    expect(res.body.employees.map((e: { id: string }) => e.id)).toEqual([ids.anna]);
    expect(res.body.employees[0].openAbsenceCaseIds).toEqual([ids.annaCase]);
    const former = await mgr$('GET', '/api/v1/employees?name=vries&includeFormer=true');
    expect(former.body.employees.map((e: { id: string }) => e.id).sort()).toEqual(
      [ids.anna, ids.carla].sort(),
    );
    const all = await su$('GET', '/api/v1/employees?name=bak');
    expect(all.body.employees.map((e: { id: string }) => e.id)).toEqual([ids.bert]);
  });

  it('When searching by first name, birth date, personnel number or department, then each filter narrows the result', async () => {
    const byFirst = await su$('GET', '/api/v1/employees?firstName=ann');
    expect(byFirst.body.employees.map((e: { id: string }) => e.id)).toEqual([ids.anna]);
    const byBirth = await su$('GET', '/api/v1/employees?birthDate=1980-02-29');
    expect(byBirth.body.employees.map((e: { id: string }) => e.id)).toEqual([ids.anna]);
    const pn = byBirth.body.employees[0].personnelNumber as string;
    const byNumber = await su$('GET', `/api/v1/employees?personnelNumber=${pn}`);
    expect(byNumber.body.employees).toHaveLength(1);
    const byDept = await su$('GET', `/api/v1/employees?departmentId=${ids.ops}`);
    expect(byDept.body.employees.map((e: { id: string }) => e.id)).toEqual([ids.bert]);
    // The department narrows before the limit: Bakker (operations) comes first by name.
    const firstOfSales = await su$('GET', `/api/v1/employees?departmentId=${ids.sales}&limit=1`);
    expect(firstOfSales.body.employees.map((e: { id: string }) => e.id)).toEqual([ids.anna]);
    const bad = await su$('GET', '/api/v1/employees?bsn=999996708');
    expect(bad.status).toBe(400);
    // Also where a route takes no query parameters at all.
    for (const path of [`/api/v1/employees/${ids.anna}/absence-cases?bsn=999996708`, '/api/v1/tasks?bsn=1']) {
      const refused = await su$('GET', path);
      expect(refused.status, path).toBe(400);
      expect(JSON.stringify(refused.body)).not.toContain('999996708');
    }
  });

  it('When a scoped manager opens the organisation tree, then only the branch with employees in scope shows', async () => {
    const res = await mgr$('GET', '/api/v1/organisation');
    expect(res.status).toBe(200);
    const root = res.body.departments[0];
    expect(root.id).toBe(ids.root);
    expect(root.departments.map((d: { id: string }) => d.id)).toEqual([ids.sales]);
    expect(root.departments[0].employees.map((e: { id: string }) => e.id)).toEqual([ids.anna]);
  });

  it('When an employee left a department for a new employment elsewhere, then that department no longer sees them; one who left altogether stays with the department of their last employment only', async () => {
    // Dirk's employment in sales was ended by the sync (its version stays open-ended); he now works in ops.
    const dirk = await seedEmployee(store.db, {
      employerId: (await store.db('employers').where({ code: 'rules-acme' }).first()).id,
      departmentId: ids.sales,
      lastName: 'Dirksen',
      startDate: '2019-01-01',
      endDate: '2025-06-30',
    });
    const second = await seedEmployment(store.db, dirk.employeeId, {
      employerId: (await store.db('employees').where({ id: dirk.employeeId }).first()).employer_id,
      externalId: `${dirk.personnelNumber}-2`,
      startDate: '2025-07-01',
      departmentId: ids.ops,
      hoursPerWeek: 32,
    });
    expect((await mgr$('GET', `/api/v1/employees/${dirk.employeeId}/absence-cases`)).status).toBe(403);
    const found = await mgr$('GET', '/api/v1/employees?name=dirksen&includeFormer=true');
    expect(found.body.employees).toEqual([]);
    // Carla left in 2025 and works nowhere here now: her last department still sees her.
    expect((await mgr$('GET', `/api/v1/employees/${ids.carla}/absence-cases`)).status).toBe(200);
    // Dirk leaves ops too: ops, his last department, sees him; sales, an earlier one, does not.
    await store.db('employments').where({ id: second }).update({ end_date: '2025-12-31' });
    expect((await mgr$('GET', `/api/v1/employees/${dirk.employeeId}/absence-cases`)).status).toBe(403);
  });

  it('When a scoped manager reports on an employee outside scope or of another employer, then 403 and 404 answer', async () => {
    const out = await mgr$('POST', `/api/v1/employees/${ids.bert}/absence-cases`, {
      firstSickDay: today,
      percentage: 100,
    });
    expect(out.status).toBe(403);
    const foreign = await su$('POST', `/api/v1/employees/${ids.foreign}/absence-cases`, {
      firstSickDay: today,
      percentage: 100,
    });
    expect(foreign.status).toBe(404);
  });

  it('When tasks are listed and acted on, then they move between groups and nothing is deleted', async () => {
    const bertCase = await su$('POST', `/api/v1/employees/${ids.bert}/absence-cases`, {
      firstSickDay: addDays(today, -60),
      percentage: 100,
      lateReason: 'Report came late',
    });
    expect(bertCase.status).toBe(201);
    const all = await su$('GET', '/api/v1/tasks');
    expect(all.status).toBe(200);
    const overdue = all.body.overdue as Array<{ id: string; employeeId: string; kind: string }>;
    expect(overdue.map((t) => t.kind)).toEqual(
      expect.arrayContaining(['report_to_arbodienst', 'problem_analysis']),
    );
    expect(
      all.body.dueNow.concat(all.body.future).some((t: { employeeId: string }) => t.employeeId === ids.anna),
    ).toBe(true);
    const scoped = await mgr$('GET', '/api/v1/tasks');
    const scopedAll = [...scoped.body.overdue, ...scoped.body.dueNow, ...scoped.body.future];
    expect(scopedAll.every((t: { employeeId: string }) => t.employeeId === ids.anna)).toBe(true);
    const [first, second, third] = overdue;
    expect(
      (await mgr$('POST', `/api/v1/employees/${first!.employeeId}/tasks/${first!.id}`, { action: 'done' }))
        .status,
    ).toBe(403);
    expect(
      (
        await su$('POST', `/api/v1/employees/${first!.employeeId}/tasks/${first!.id}`, {
          action: 'postpone',
          postponeTo: addDays(today, 14),
        })
      ).status,
    ).toBe(400);
    const postponed = await su$('POST', `/api/v1/employees/${first!.employeeId}/tasks/${first!.id}`, {
      action: 'postpone',
      postponeTo: addDays(today, 14),
      reason: 'Employee on holiday',
    });
    expect(postponed.body.task).toMatchObject({
      status: 'postponed',
      urgency: 'future',
      reason: 'Employee on holiday',
    });
    const dropped = await su$('POST', `/api/v1/employees/${second!.employeeId}/tasks/${second!.id}`, {
      action: 'drop',
      reason: 'Done by the arbodienst',
    });
    expect(dropped.body.task.status).toBe('dropped');
    expect(
      (await su$('POST', `/api/v1/employees/${second!.employeeId}/tasks/${second!.id}`, { action: 'done' }))
        .status,
    ).toBe(409);
    const flagged = await su$('POST', `/api/v1/employees/${third!.employeeId}/tasks/${third!.id}`, {
      action: 'flag',
      important: true,
    });
    expect(flagged.body.task.important).toBe(true);
    const after = await su$('GET', '/api/v1/tasks');
    expect(after.body.overdue[0].id).toBe(third!.id);
    expect(after.body.overdue.some((t: { id: string }) => t.id === second!.id)).toBe(false);
    expect(after.body.future.some((t: { id: string }) => t.id === first!.id)).toBe(true);
    expect(await store.db('poortwachter_tasks').where({ id: second!.id })).toHaveLength(1);
    const wrongEmployee = await su$('POST', `/api/v1/employees/${ids.anna}/tasks/${third!.id}`, {
      action: 'done',
    });
    expect(wrongEmployee.status).toBe(404);
  });

  it('When a correction arrives after a partial recovery through the API, then 409 explains why', async () => {
    const caseId = ids.annaCase!;
    const base = `/api/v1/employees/${ids.anna}/absence-cases/${caseId}`;
    expect((await su$('POST', `${base}/correction`, { classification: 'work_accident' })).status).toBe(200);
    expect((await su$('POST', `${base}/correction`, { cause: 'stairs' })).status).toBe(400);
    const again = await su$('POST', `${base}/correction`, { classification: 'work_accident', note: 'x' });
    expect(again.status).toBe(400);
    expect(again.body.error.message).toMatch(/^The correction changes nothing/);
    // A safety-net flag set by mistake is taken back on its own.
    expect((await su$('POST', `${base}/correction`, { safetyNet: true })).status).toBe(200);
    expect((await su$('POST', `${base}/correction`, { safetyNet: false })).status).toBe(200);
    expect((await su$('GET', base)).body.case.safetyNet).toBe(false);
    const bert = (await su$('GET', `/api/v1/employees/${ids.bert}/absence-cases`)).body.cases[0];
    const change = await su$('POST', `/api/v1/employees/${ids.bert}/absence-cases/${bert.id}/percentage`, {
      from: addDays(today, -10),
      percentage: 40,
    });
    expect(change.status).toBe(200);
    const refused = await su$('POST', `/api/v1/employees/${ids.bert}/absence-cases/${bert.id}/correction`, {
      percentage: 80,
    });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(/no longer be corrected/);
    // Nor does a relapse change the classification on the way.
    const relapse = await su$('POST', `/api/v1/employees/${ids.bert}/absence-cases/${bert.id}/percentage`, {
      from: addDays(today, -5),
      percentage: 100,
      classification: 'work_accident',
    });
    expect(relapse.status).toBe(400);
    expect(JSON.stringify(relapse.body)).toContain('classification');
    const end = await su$('POST', `/api/v1/employees/${ids.bert}/absence-cases/${bert.id}/end`, {
      lastSickDay: today,
      reason: 'deceased',
    });
    expect(end.status).toBe(200);
    const cases = (await su$('GET', `/api/v1/employees/${ids.bert}/absence-cases`)).body.cases;
    expect(cases[0]).toMatchObject({
      status: 'ended',
      endKind: 'other',
      endReason: 'deceased',
      lastSickDay: today,
    });
  });

  it('When a pregnancy is reported, corrected, delivered and listed, then the leave follows and the window is enforced', async () => {
    const expected = addDays(today, 60);
    const bad = await su$('POST', `/api/v1/employees/${ids.anna}/pregnancies`, {
      expectedDate: expected,
      lastWorkingDay: addDays(expected, -20),
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/outside the leave window/);
    const ok = await su$('POST', `/api/v1/employees/${ids.anna}/pregnancies`, {
      expectedDate: expected,
      lastWorkingDay: addDays(expected, -28),
      multiple: false,
    });
    expect(ok.status).toBe(201);
    const id = ok.body.pregnancy.id as string;
    expect(ok.body.pregnancy.leaveEnd).toBe(addDays(expected, 84));
    const corrected = await su$('POST', `/api/v1/employees/${ids.anna}/pregnancies/${id}/correction`, {
      lastWorkingDay: addDays(expected, -42),
    });
    expect(corrected.status).toBe(200);
    expect(corrected.body.pregnancy.leaveEnd).toBe(addDays(expected, 70));
    const future = await su$('POST', `/api/v1/employees/${ids.anna}/pregnancies/${id}/delivery`, {
      actualDeliveryDate: addDays(today, 1),
    });
    expect(future.status).toBe(400);
    const list = await su$('GET', `/api/v1/employees/${ids.anna}/pregnancies`);
    expect(list.body.pregnancies[0].history.map((h: { kind: string }) => h.kind)).toEqual([
      'pregnancy_report',
      'pregnancy_correction',
    ]);
    const end = await su$('POST', `/api/v1/employees/${ids.anna}/pregnancies/${id}/end`, {
      endDate: today,
      reason: 'other',
      medical: 'x',
    });
    expect(end.status).toBe(400);
  });
});
