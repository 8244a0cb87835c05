import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore, testConfig, testVault, type TestStore } from '../helpers/store.js';
import { startTestServer, type TestServer } from '../helpers/http.js';
import { asUser, createTestUser, type TestUser } from '../helpers/users.js';
import { addDepartment } from '../helpers/org.js';
import { createApp } from '../../src/api/app.js';
import { upsertEmployer } from '../../src/store/employers.js';
import type { Vault } from '../../src/vault/vault.js';
import { addDays, todayIn } from '../../src/domain/dates.js';

describe('hand edits of master data', () => {
  let store: TestStore;
  let server: TestServer;
  let vault: Vault;
  const config = testConfig();
  let su: TestUser;
  const as = () => asUser(su, 'acme');

  beforeAll(async () => {
    store = await createTestStore();
    vault = testVault(store);
    server = await startTestServer(createApp({ config, store, vault }));
    const acme = await upsertEmployer(store.db, { code: 'acme', name: 'Acme' });
    su = await createTestUser(store, config, { employerId: acme.id, role: 'superuser' });
  });
  afterAll(async () => {
    await server.close();
    await store.close();
  });

  it('When an employee is added with a BSN, then the BSN is only in the vault', async () => {
    const res = await server.request('POST', '/api/v1/employees', {
      ...as(),
      body: { personnelNumber: '1001', lastName: 'Bos', vault: { bsn: '999996708', town: 'Utrecht' } },
    });
    expect(res.status).toBe(201);
    const row = await store.db('employees').where({ id: res.body.id }).first();
    expect(JSON.stringify(row)).not.toContain('999996708');
    const fields = await vault.read(res.body.id, { actorType: 'system', purpose: 'test' });
    expect(fields).toMatchObject({ bsn: '999996708', town: 'Utrecht' });
  });

  it('When a personnel number is a BSN, then the employee is refused without showing it', async () => {
    const refused =
      'personnelNumber is a BSN (value not shown): a BSN is never a key and never stored in clear; give the personnel number the employer uses';
    const own = await server.request('POST', '/api/v1/employees', {
      ...as(),
      body: { personnelNumber: '111222333', lastName: 'Eigen', vault: { bsn: '111222333' } },
    });
    expect([own.status, own.body.error.message]).toEqual([400, refused]);
    // One the vault holds for someone else (the employee added above).
    const other = await server.request('POST', '/api/v1/employees', {
      ...as(),
      body: { personnelNumber: '999996708', lastName: 'Ander' },
    });
    expect([other.status, other.body.error.message]).toEqual([400, refused]);
    const ok = await server.request('POST', '/api/v1/employees', {
      ...as(),
      body: { personnelNumber: '1090', lastName: 'Goed' },
    });
    expect(ok.status).toBe(201);
    const renumbered = await server.request('PATCH', `/api/v1/employees/${ok.body.id}`, {
      ...as(),
      body: { personnelNumber: '999996708' },
    });
    expect(renumbered.status).toBe(400);
    // A BSN given later that is the personnel number the employee has.
    const late = await server.request('POST', '/api/v1/employees', {
      ...as(),
      body: { personnelNumber: '123456782', lastName: 'Laat' },
    });
    expect(late.status).toBe(201);
    const sameAsNumber = await server.request('PATCH', `/api/v1/employees/${late.body.id}`, {
      ...as(),
      body: { vault: { bsn: '123456782' } },
    });
    expect(sameAsNumber.status).toBe(400);
    // Nor another employee's personnel number, in any spelling, when it is given as a BSN.
    const keyOfOther =
      'vault.bsn is the personnel number, source id or employment id of an employee of this employer (value not shown): correct that key first, as a BSN is never stored in clear';
    const added = await server.request('POST', '/api/v1/employees', {
      ...as(),
      body: { personnelNumber: '1091', lastName: 'Derde', vault: { bsn: '123.456.782' } },
    });
    expect([added.status, added.body.error.message]).toEqual([400, keyOfOther]);
    const patched = await server.request('PATCH', `/api/v1/employees/${ok.body.id}`, {
      ...as(),
      body: { vault: { bsn: '123456782' } },
    });
    expect([patched.status, patched.body.error.message]).toEqual([400, keyOfOther]);
    // A personnel number and the same BSN given at once: one of the two edits is refused.
    const both = await Promise.all([
      server.request('PATCH', `/api/v1/employees/${ok.body.id}`, {
        ...as(),
        body: { personnelNumber: '100000009' },
      }),
      server.request('PATCH', `/api/v1/employees/${ok.body.id}`, {
        ...as(),
        body: { vault: { bsn: '100000009' } },
      }),
    ]);
    expect(both.map((r) => r.status).sort()).toEqual([204, 400]);
    // An employment id is a key too: never the BSN given with it or one the vault holds.
    const withEmployment = (externalId: string, bsn?: string) =>
      server.request('POST', '/api/v1/employees', {
        ...as(),
        body: {
          personnelNumber: `W-${externalId}`,
          lastName: 'Werk',
          ...(bsn ? { vault: { bsn } } : {}),
          employment: { externalId, startDate: '2024-01-01' },
        },
      });
    const ownAsId = await withEmployment('111222333', '111222333');
    expect([ownAsId.status, ownAsId.body.error?.message]).toEqual([
      400,
      'employment.externalId is a BSN (value not shown): a BSN is never a key and never stored in clear; give the employment id the employer uses',
    ]);
    const heldAsId = await server.request('POST', `/api/v1/employees/${ok.body.id}/employments`, {
      ...as(),
      body: { externalId: '999996708', startDate: '2024-01-01' },
    });
    expect(heldAsId.status).toBe(400);
    expect((await withEmployment('100000010')).status).toBe(201);
    const idAsBsn = await server.request('PATCH', `/api/v1/employees/${ok.body.id}`, {
      ...as(),
      body: { vault: { bsn: '100000010' } },
    });
    expect(idAsBsn.status).toBe(400);
    const employmentIds = JSON.stringify(await store.db('employments').select('external_id'));
    expect(employmentIds).not.toContain('111222333');
    expect(employmentIds).not.toContain('999996708');
    expect(JSON.stringify(await store.db('employees').select('personnel_number'))).not.toContain('999996708');
  });

  it('When an employment is corrected, then the version changes in place; when changed, then a new version starts on the date', async () => {
    const emp = await server.request('POST', '/api/v1/employees', {
      ...as(),
      body: { personnelNumber: '1002', lastName: 'Kok' },
    });
    const created = await server.request('POST', `/api/v1/employees/${emp.body.id}/employments`, {
      ...as(),
      body: { externalId: 'E1002', startDate: '2024-01-01', terms: { hoursPerWeek: 40 } },
    });
    expect(created.status).toBe(201);
    const path = `/api/v1/employments/${created.body.id}`;
    expect(
      (
        await server.request('PATCH', path, {
          ...as(),
          body: { mode: 'correct', terms: { hoursPerWeek: 38 } },
        })
      ).status,
    ).toBe(204);
    expect(
      (
        await server.request('PATCH', path, {
          ...as(),
          body: { mode: 'change', from: '2025-03-01', terms: { hoursPerWeek: 24 } },
        })
      ).status,
    ).toBe(204);
    const noDate = await server.request('PATCH', path, {
      ...as(),
      body: { mode: 'change', terms: { hoursPerWeek: 20 } },
    });
    expect(noDate.status).toBe(400);
    const list = await server.request('GET', `/api/v1/employees/${emp.body.id}/employments`, as());
    expect(
      list.body.employments[0].versions.map(
        (v: { validFrom: string; validTo: string | null; hoursPerWeek: number }) => [
          v.validFrom,
          v.validTo,
          v.hoursPerWeek,
        ],
      ),
    ).toEqual([
      ['2024-01-01', '2025-02-28', 38],
      ['2025-03-01', null, 24],
    ]);
  });

  it('When an end date before the start date is corrected in, then it answers 400 on endDate without naming the rule', async () => {
    const emp = await server.request('POST', '/api/v1/employees', {
      ...as(),
      body: { personnelNumber: '1005', lastName: 'Vroeg' },
    });
    const employment = await server.request('POST', `/api/v1/employees/${emp.body.id}/employments`, {
      ...as(),
      body: { externalId: 'E1005', startDate: '2024-01-01' },
    });
    const res = await server.request('PATCH', `/api/v1/employments/${employment.body.id}`, {
      ...as(),
      body: { mode: 'correct', endDate: '1900-01-01' },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([
      { path: 'endDate', message: 'the end date is before the start date' },
    ]);
    // After the start but before a later version: the database's own rule answers the same way.
    const later = await server.request('PATCH', `/api/v1/employments/${employment.body.id}`, {
      ...as(),
      body: { mode: 'change', from: '2025-01-01', endDate: '2024-06-30' },
    });
    expect([later.status, later.body.error.details[0].path]).toEqual([400, 'endDate']);
    const text = JSON.stringify([res.body, later.body]);
    for (const internal of ['employments_end_after_start', 'employment_versions', '_unique', 'constraint'])
      expect(text).not.toContain(internal);
  });

  it('When a personnel number is already used at the employer, then it answers 409 on personnelNumber without the number or the rule', async () => {
    // Nine digits that are no BSN (they fail the 11-check), as a personnel number may look.
    const number = '123456789';
    const add = () =>
      server.request('POST', '/api/v1/employees', {
        ...as(),
        body: { personnelNumber: number, lastName: 'Dubbel' },
      });
    expect((await add()).status).toBe(201);
    const res = await add();
    expect(res.status).toBe(409);
    expect(res.body.error.details).toEqual([
      { path: 'personnelNumber', message: 'another employee of this employer has this personnel number' },
    ]);
    const text = JSON.stringify(res.body);
    for (const internal of [number, 'personnel_number', '_unique', 'constraint'])
      expect(text).not.toContain(internal);
  });

  it("When the end date of a sick employee's employment is set or taken away by hand, then the open case records it", async () => {
    const emp = await server.request('POST', '/api/v1/employees', {
      ...as(),
      body: { personnelNumber: '1004', lastName: 'Ziek' },
    });
    const employment = await server.request('POST', `/api/v1/employees/${emp.body.id}/employments`, {
      ...as(),
      body: { externalId: 'E1004', startDate: '2024-01-01', terms: { hoursPerWeek: 40 } },
    });
    const today = todayIn('Europe/Amsterdam');
    const sick = await server.request('POST', `/api/v1/employees/${emp.body.id}/absence-cases`, {
      ...as(),
      body: { firstSickDay: today, percentage: 100 },
    });
    expect(sick.status).toBe(201);
    const end = (endDate: string | null) =>
      server.request('PATCH', `/api/v1/employments/${employment.body.id}`, {
        ...as(),
        body: { mode: 'correct', endDate, terms: {} },
      });
    const ends = addDays(today, 20);
    expect((await end(ends)).status).toBe(204);
    expect((await end(ends)).status).toBe(204);
    expect((await end(null)).status).toBe(204);
    const events = await store
      .db('case_events')
      .where({ absence_case_id: sick.body.caseId })
      .orderBy('recorded_at');
    expect(events.map((e: { kind: string; event_date: string }) => [e.kind, e.event_date])).toEqual([
      ['employment_ended_while_sick', ends],
      ['employment_end_withdrawn', today],
    ]);
  });

  it('When a superuser of some departments adds an employee, then it comes with an employment in one of them', async () => {
    const acme = await store.db('employers').where({ code: 'acme' }).first('id');
    const mine = await addDepartment(store, acme.id);
    const other = await addDepartment(store, acme.id);
    const scoped = await createTestUser(store, config, {
      employerId: acme.id,
      role: 'superuser',
      scope: { kind: 'units', departmentIds: [mine], employeeIds: [] },
    });
    const add = (employment?: object) =>
      server.request('POST', '/api/v1/employees', {
        ...asUser(scoped, 'acme'),
        body: {
          personnelNumber: `S-${String(Math.random()).slice(2, 8)}`,
          lastName: 'Scoped',
          ...(employment ? { employment } : {}),
        },
      });
    const placed = (departmentId: string) => ({
      externalId: `SE-${String(Math.random()).slice(2, 8)}`,
      startDate: '2024-01-01',
      terms: { departmentId },
    });
    const before = await store.db('employees').count({ n: '*' }).first();
    expect((await add()).status).toBe(403);
    expect((await add(placed(other))).status).toBe(403);
    expect(await store.db('employees').count({ n: '*' }).first()).toEqual(before);
    const ok = await add(placed(mine));
    expect(ok.status).toBe(201);
    // The new employee is in sight of the user who added them.
    const seen = await server.request(
      'GET',
      `/api/v1/employees/${ok.body.id}/employments`,
      asUser(scoped, 'acme'),
    );
    expect(seen.status).toBe(200);
    expect(seen.body.employments.map((e: { id: string }) => e.id)).toEqual([ok.body.employmentId]);
  });

  it('When a department would be moved below its own child, then it answers 400 naming the cycle', async () => {
    const top = await server.request('POST', '/api/v1/departments', {
      ...as(),
      body: { code: 'TOP', name: 'Top' },
    });
    const child = await server.request('POST', '/api/v1/departments', {
      ...as(),
      body: { code: 'KIND', name: 'Kind', parentId: top.body.id },
    });
    const res = await server.request('PATCH', `/api/v1/departments/${top.body.id}`, {
      ...as(),
      body: { parentId: child.body.id },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('TOP');
  });

  it('When a department has current employees, then archiving it answers 409; empty, it archives and reactivates', async () => {
    const dept = await server.request('POST', '/api/v1/departments', {
      ...as(),
      body: { code: 'VOL', name: 'Vol' },
    });
    const emp = await server.request('POST', '/api/v1/employees', {
      ...as(),
      body: { personnelNumber: '1003', lastName: 'Mol' },
    });
    await server.request('POST', `/api/v1/employees/${emp.body.id}/employments`, {
      ...as(),
      body: { externalId: 'E1003', startDate: '2020-01-01', terms: { departmentId: dept.body.id } },
    });
    expect((await server.request('POST', `/api/v1/departments/${dept.body.id}/archive`, as())).status).toBe(
      409,
    );
    const empty = await server.request('POST', '/api/v1/departments', {
      ...as(),
      body: { code: 'LEEG', name: 'Leeg' },
    });
    const archived = await server.request('POST', `/api/v1/departments/${empty.body.id}/archive`, as());
    expect(archived.body.archived).toBe(true);
    const back = await server.request('POST', `/api/v1/departments/${empty.body.id}/reactivate`, as());
    expect(back.body.archived).toBe(false);
  });

  it('When the sync source fields are sent by hand, then it answers 400', async () => {
    const res = await server.request('POST', '/api/v1/employees', {
      ...as(),
      body: { personnelNumber: '1004', lastName: 'Vos', sourceSystem: 'afas', remoteId: 'x' },
    });
    expect(res.status).toBe(400);
  });
});
