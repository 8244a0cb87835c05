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
  let employerId: string;
  const as = (user: TestUser, method: string, path: string, body?: unknown) =>
    bed.server.request(method, path, { ...asUser(user, code), body });

  beforeAll(async () => {
    employerId = (await seedEmployer(bed.store.db, code)).employerId;
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

  it('When an absence reporter reports on an open or ended case, then no refusal names its dates and a correction is not checked against it', async () => {
    const { employeeId: id } = await seedEmployee(bed.store.db, { employerId });
    const cases = `/api/v1/employees/${id}/absence-cases`;
    const first = await as(su, 'POST', cases, { firstSickDay: addDays(today, -3), percentage: 100 });
    expect(first.status).toBe(201);
    const open = await as(reporter, 'POST', cases, { firstSickDay: today, percentage: 100 });
    expect(open.status).toBe(409);
    expect(open.body.error.message).toContain(`(case ${first.body.caseId})`);
    expect(JSON.stringify(open.body)).not.toContain(addDays(today, -3));

    // Told "changes nothing", a reporter would learn the case's classification: it is recorded instead.
    const correction = `${cases}/${first.body.caseId}/correction`;
    expect((await as(su, 'POST', correction, { classification: 'illness' })).status).toBe(400);
    const same = await as(reporter, 'POST', correction, { classification: 'illness' });
    expect(same.status).toBe(200);
    expect(same.body.outboxSequence).toEqual(expect.any(Number));

    const ended = await as(su, 'POST', `${cases}/${first.body.caseId}/recovery`, {
      lastSickDay: addDays(today, -1),
    });
    expect(ended.status).toBe(200);
    const late = await as(reporter, 'POST', `${cases}/${first.body.caseId}/recovery`, { lastSickDay: today });
    expect(late.status).toBe(409);
    expect(late.body.error.message).toMatch(/has ended/);
    expect(JSON.stringify(late.body)).not.toContain(addDays(today, -1));
  });

  it('When an absence reporter reports or corrects a pregnancy, then the answers and refusals hold no date of the case', async () => {
    const { employeeId: id } = await seedEmployee(bed.store.db, { employerId });
    const expected = addDays(today, 60);
    const pregnancies = `/api/v1/employees/${id}/pregnancies`;
    const reported = await as(reporter, 'POST', pregnancies, {
      expectedDate: expected,
      lastWorkingDay: addDays(today, 25),
    });
    expect(reported.status).toBe(201);
    expect(Object.keys(reported.body.pregnancy).sort()).toEqual([
      'employeeId',
      'employmentId',
      'id',
      'status',
    ]);
    const path = `${pregnancies}/${reported.body.pregnancy.id}`;
    // A superuser sees the whole case in the answer.
    const seen = await as(su, 'POST', `${path}/correction`, { multiple: false });
    expect(seen.body.pregnancy).toMatchObject({ expectedDate: expected, multiple: false });

    const corrected = await as(reporter, 'POST', `${path}/correction`, {
      lastWorkingDay: addDays(today, 26),
    });
    expect(corrected.status).toBe(200);
    expect(JSON.stringify(corrected.body)).not.toContain(expected);
    const outside = await as(reporter, 'POST', `${path}/correction`, { lastWorkingDay: addDays(today, 58) });
    expect(outside.status).toBe(400);
    expect(outside.body.error.message).toMatch(/outside the leave window/);
    const early = await as(reporter, 'POST', `${path}/delivery`, {
      actualDeliveryDate: addDays(today, -120),
    });
    expect(early.status).toBe(400);
    expect(early.body.error.message).toMatch(/24 weeks before/);
    // Nor the stored last working day, when the refusal comes of what the reporter did not send.
    const twins = await as(reporter, 'POST', `${path}/correction`, { multiple: true });
    expect(twins.status).toBe(400);
    expect(twins.body.error.message).toMatch(/^the case's last working day is outside the leave window/);
    expect(JSON.stringify(twins.body)).not.toContain(addDays(today, 26));
    for (const refused of [outside, early, twins])
      expect(JSON.stringify(refused.body)).not.toContain(expected);

    const end = await as(su, 'POST', `${path}/end`, { endDate: addDays(today, -1), reason: 'other' });
    expect(end.status).toBe(200);
    const after = await as(reporter, 'POST', `${path}/correction`, { multiple: false });
    expect(after.status).toBe(409);
    expect(JSON.stringify(after.body)).not.toContain(addDays(today, -1));
  });
});
