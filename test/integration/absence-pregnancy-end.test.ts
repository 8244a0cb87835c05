import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore, type TestStore } from '../helpers/store.js';
import { seedEmployee, seedEmployer } from '../helpers/absence.js';
import { endFinishedLeaves, reportDelivery, reportPregnancy } from '../../src/absence/pregnancy.js';
import { addDays } from '../../src/domain/dates.js';
import type { Actor } from '../../src/absence/records.js';

/** A pregnancy case ends by itself once its leave is over. */

const actor: Actor = { type: 'user', id: 'user-7' };

describe('the end of a pregnancy leave', () => {
  let store: TestStore;
  let employerId: string;
  const at = (today: string) => ({ db: store.db, actor, today });
  const caseRow = (id: string) => store.db('pregnancy_cases').where({ id }).first();
  const messages = (id: string) =>
    store.db('case_outbox').where({ case_id: id }).orderBy('sequence').pluck('message_kind');
  const report = async (employeeId: string, today: string, expectedDate: string) =>
    (
      await reportPregnancy(at(today), employeeId, {
        expectedDate,
        lastWorkingDay: addDays(expectedDate, -31),
      })
    ).pregnancy.id;

  beforeAll(async () => {
    store = await createTestStore();
    ({ employerId } = await seedEmployer(store.db));
  });
  afterAll(() => store.close());

  it('When the leave is over, then the morning job ends the case on its last day, later without a reported delivery', async () => {
    const { employeeId } = await seedEmployee(store.db, { employerId });
    const withDelivery = await report(employeeId, '2026-02-01', '2026-04-01');
    const { employeeId: other } = await seedEmployee(store.db, { employerId });
    const without = await report(other, '2026-02-01', '2026-04-01');
    await reportDelivery(at('2026-04-03'), employeeId, withDelivery, { actualDeliveryDate: '2026-04-02' });
    const leaveEnd = (await caseRow(withDelivery)).leave_end as string;
    const unreported = (await caseRow(without)).leave_end as string;
    expect(await endFinishedLeaves(store.db, leaveEnd)).toBe(0);
    expect(await endFinishedLeaves(store.db, addDays(leaveEnd, 1))).toBe(1);
    expect(await caseRow(withDelivery)).toMatchObject({
      status: 'ended',
      ended_on: leaveEnd,
      end_reason: 'leave_ended',
    });
    expect(await messages(withDelivery)).toEqual(['pregnancy_report', 'delivery', 'pregnancy_end']);
    // Without a reported delivery the leave may run longer (a late birth): four weeks more.
    expect((await caseRow(without)).status).toBe('open');
    expect(await endFinishedLeaves(store.db, addDays(unreported, 28))).toBe(0);
    expect(await endFinishedLeaves(store.db, addDays(unreported, 29))).toBe(1);
    expect(await endFinishedLeaves(store.db, addDays(unreported, 30))).toBe(0);
    expect(await caseRow(without)).toMatchObject({ status: 'ended', ended_on: unreported });
  });

  it('When a new pregnancy is reported after an earlier leave, then the earlier case ends and the new one opens', async () => {
    const { employeeId } = await seedEmployee(store.db, { employerId });
    const first = await report(employeeId, '2026-02-01', '2026-04-01');
    const second = await report(employeeId, '2027-05-01', '2027-08-01');
    expect(await caseRow(first)).toMatchObject({ status: 'ended', end_reason: 'leave_ended' });
    expect(await caseRow(second)).toMatchObject({ status: 'open' });
    const history = await store.db('case_reports').where({ pregnancy_case_id: first }).orderBy('id');
    expect(history.at(-1)).toMatchObject({ kind: 'pregnancy_end', actor_type: 'system' });
  });
});
