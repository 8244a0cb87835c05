import { beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../helpers/store.js';
import { appTestBed } from '../helpers/http.js';
import { asUser, createTestUser, type TestUser } from '../helpers/users.js';
import { seedEmployee, seedEmployer } from '../helpers/absence.js';
import { addDays, todayIn } from '../../src/domain/dates.js';

/** The dates a pregnancy case takes: in service when reported, a plausible delivery, an end that happened. */

const today = todayIn('Europe/Amsterdam');
const config = testConfig();
const bed = appTestBed(config);

describe('pregnancy dates', () => {
  let su: TestUser;
  const code = 'pregnancy-dates';
  let employerId: string;
  const su$ = (method: string, path: string, body?: unknown) =>
    bed.server.request(method, path, { ...asUser(su, code), body });
  const report = (employeeId: string, expectedDate = addDays(today, 90)) =>
    su$('POST', `/api/v1/employees/${employeeId}/pregnancies`, {
      expectedDate,
      lastWorkingDay: addDays(expectedDate, -28),
      multiple: false,
    });

  beforeAll(async () => {
    employerId = (await seedEmployer(bed.store.db, code)).employerId;
    su = await createTestUser(bed.store, config, { employerId, role: 'superuser' });
  });

  it('When a pregnancy is reported for an employee whose employment ended, then 400 says so and nothing is stored', async () => {
    const { employeeId } = await seedEmployee(bed.store.db, {
      employerId,
      startDate: '2015-01-01',
      endDate: '2020-12-31',
    });
    const res = await report(employeeId);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(
      /^The employee is not in service on .* \(employment from 2015-01-01 through 2020-12-31\)/,
    );
    expect(await bed.store.db('pregnancy_cases').where({ employee_id: employeeId })).toEqual([]);
  });

  it('When a delivery date is implausibly early or an end date is in the future, then 400 and the case stays as it was', async () => {
    const { employeeId } = await seedEmployee(bed.store.db, { employerId });
    const expected = addDays(today, 30);
    const created = await report(employeeId, expected);
    expect(created.status).toBe(201);
    const base = `/api/v1/employees/${employeeId}/pregnancies/${created.body.pregnancy.id as string}`;
    const early = await su$('POST', `${base}/delivery`, { actualDeliveryDate: '2001-01-01' });
    expect(early.status).toBe(400);
    expect(early.body.error.message).toMatch(/more than 24 weeks before the expected date/);
    const future = await su$('POST', `${base}/end`, { endDate: addDays(today, 1), reason: 'other' });
    expect(future.status).toBe(400);
    expect(future.body.error.message).toMatch(/is after today/);
    const [stored] = await bed.store.db('pregnancy_cases').where({ employee_id: employeeId });
    expect(stored).toMatchObject({ status: 'open', actual_delivery_date: null, ended_on: null });
    // A premature delivery within the bounds is recorded.
    const premature = await su$('POST', `${base}/delivery`, { actualDeliveryDate: today });
    expect(premature.status).toBe(200);
  });

  it('When the same pregnancy is reported several times at once, then one is recorded and the others answer 409', async () => {
    const { employeeId } = await seedEmployee(bed.store.db, { employerId });
    const answers = await Promise.all([1, 2, 3, 4].map(() => report(employeeId)));
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409, 409]);
    expect(answers.find((a) => a.status === 409)!.body.error.message).toMatch(
      /already has an open pregnancy case/,
    );
  });
});
