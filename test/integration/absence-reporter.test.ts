import { beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../helpers/store.js';
import { appTestBed } from '../helpers/http.js';
import { asUser, createTestUser, type TestUser } from '../helpers/users.js';
import { seedEmployee, seedEmployer } from '../helpers/absence.js';
import { addDays, todayIn } from '../../src/domain/dates.js';

/** A role that reports sickness and recovery but sees no dossier: its answers do not show the case either. */

const today = todayIn('Europe/Amsterdam');
const config = testConfig();
const bed = appTestBed(config);
const code = 'reporter-acme';

describe('reports by a role without the dossier', () => {
  let su: TestUser;
  let reporter: TestUser;
  let employeeId: string;
  const as = (user: TestUser, method: string, path: string, body?: unknown) =>
    bed.server.request(method, path, { ...asUser(user, code), body });

  beforeAll(async () => {
    const { employerId } = await seedEmployer(bed.store.db, code);
    employeeId = (await seedEmployee(bed.store.db, { employerId })).employeeId;
    su = await createTestUser(bed.store, config, { employerId, role: 'superuser' });
    reporter = await createTestUser(bed.store, config, { employerId, role: 'absence_reporter' });
  });

  it('When an absence reporter is refused or continues an earlier case, then the answer names no date or percentage of the case', async () => {
    const cases = `/api/v1/employees/${employeeId}/absence-cases`;
    const first = await as(su, 'POST', cases, { firstSickDay: addDays(today, -20), percentage: 60 });
    expect(first.status).toBe(201);
    expect(
      (await as(su, 'POST', `${cases}/${first.body.caseId}/recovery`, { lastSickDay: addDays(today, -15) }))
        .status,
    ).toBe(200);
    const facts = [addDays(today, -20), addDays(today, -15), '60%'];
    const overlapping = await as(reporter, 'POST', cases, {
      firstSickDay: addDays(today, -17),
      percentage: 100,
    });
    expect(overlapping.status).toBe(409);
    expect(overlapping.body.error.message).toMatch(/falls within the employee's previous absence case/);
    for (const fact of facts) expect(JSON.stringify(overlapping.body)).not.toContain(fact);

    const again = await as(reporter, 'POST', cases, { firstSickDay: addDays(today, -10), percentage: 100 });
    expect(again.status).toBe(201);
    expect(again.body.samentelling).toEqual({
      message: expect.stringMatching(/continues that case's count/),
    });
    for (const fact of facts) expect(JSON.stringify(again.body)).not.toContain(fact);

    const percentage = `${cases}/${again.body.caseId}/percentage`;
    const early = await as(reporter, 'POST', percentage, { from: addDays(today, -12), percentage: 50 });
    expect(early.status).toBe(400);
    expect(JSON.stringify(early.body)).not.toContain(addDays(today, -10));
    // A superuser, who sees the dossier, is told the date.
    const told = await as(su, 'POST', percentage, { from: addDays(today, -12), percentage: 50 });
    expect(told.body.error.message).toContain(`(${addDays(today, -10)})`);
  });
});
