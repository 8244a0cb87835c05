import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore, testStoreKind, testVault, type TestStore } from '../helpers/store.js';
import { person, syncRunner, testLink } from '../helpers/sync.js';
import { connectModules } from '../../src/runtime.js';
import { reportSick } from '../../src/absence/cases.js';
import { caseOfEmployee } from '../../src/absence/views.js';
import type { Actor } from '../../src/absence/records.js';

const actor: Actor = { type: 'user', id: 'u-1' };

describe('sync and absence together', () => {
  let store: TestStore;
  beforeAll(async () => {
    store = await createTestStore();
    connectModules();
  });
  afterAll(() => store.close());

  /** Reports the employee with personnel number `nr` of the employer sick from 16 November. */
  async function sick(employerId: string, nr: string): Promise<{ employeeId: string; caseId: string }> {
    const employee = await store
      .db('employees')
      .where({ employer_id: employerId, personnel_number: nr })
      .first('id');
    const { caseId } = await reportSick({ db: store.db, actor, today: '2026-11-20' }, employee.id, {
      firstSickDay: '2026-11-16',
      percentage: 100,
    });
    return { employeeId: employee.id, caseId };
  }

  it('When a complete delivery ends the employment of a sick employee, then the open case records it and stays open', async () => {
    const vault = testVault(store);
    const { employer, run } = await syncRunner(store, vault, testLink('sick-sync', { guard: 1 }));
    await run([person('1'), person('2')]);
    const { employeeId, caseId } = await sick(employer.id, '1');

    const result = await run([person('2')]);
    expect(result.counts.ended).toBe(1);

    const c = await caseOfEmployee(store.db, employeeId, caseId);
    expect(c.status).toBe('open');
    expect(c.events).toEqual([
      expect.objectContaining({ kind: 'employment_ended_while_sick', eventDate: '2026-11-28' }),
    ]);
    const events = await store.db('case_events').where({ absence_case_id: caseId });
    expect(events).toHaveLength(1);
    expect(events[0].sync_run_id).toBe(result.runId);
  });

  it('When a delivery gives the employment of a sick employee an end date, moves it or withdraws it, then the open case records each change once', async () => {
    const vault = testVault(store);
    for (const delivery of ['complete', 'mutations'] as const) {
      const { employer, run } = await syncRunner(
        store,
        vault,
        testLink(`sick-end-${delivery}`, { delivery }),
      );
      await run([person('1'), person('2')]);
      const { employeeId, caseId } = await sick(employer.id, '1');
      const ending = (endDate: string | undefined) => [
        person('1', { employments: [{ endDate, endReason: endDate ? 'overleden' : undefined }] }),
        // Ending a healthy employee's employment records nothing.
        person('2', { employments: [{ endDate: '2026-12-31' }] }),
      ];
      const first = await run(ending('2026-12-15'));
      expect(first.status).toBe('completed');
      // The same delivery again records nothing more; a moved end date records the new one;
      // a withdrawn end date is recorded on the delivery date, once.
      expect((await run(ending('2026-12-15'))).counts.rowsWritten).toBe(0);
      const moved = await run(ending('2026-12-10'));
      const withdrawn = await run(ending(undefined));
      expect((await run(ending(undefined))).counts.rowsWritten).toBe(0);
      // The same end again after its withdrawal is an event of its own.
      const again = await run(ending('2026-12-10'));
      expect((await run(ending('2026-12-10'))).counts.rowsWritten).toBe(0);

      const c = await caseOfEmployee(store.db, employeeId, caseId);
      expect(c.status).toBe('open');
      expect(c.events).toEqual([
        expect.objectContaining({ kind: 'employment_ended_while_sick', eventDate: '2026-12-15' }),
        expect.objectContaining({ kind: 'employment_ended_while_sick', eventDate: '2026-12-10' }),
        expect.objectContaining({ kind: 'employment_end_withdrawn', eventDate: '2026-11-28' }),
        expect.objectContaining({ kind: 'employment_ended_while_sick', eventDate: '2026-12-10' }),
      ]);
      const events = await store.db('case_events').where({ absence_case_id: caseId }).orderBy('recorded_at');
      expect(events.map((e: { sync_run_id: string }) => e.sync_run_id)).toEqual([
        first.runId,
        moved.runId,
        withdrawn.runId,
        again.runId,
      ]);
    }
  });

  it('When an employee falls sick after the source gave the employment an end date, then the case records that end, and its withdrawal', async () => {
    const vault = testVault(store);
    const { employer, run } = await syncRunner(store, vault, testLink('sick-end-before'));
    await run([person('1', { employments: [{ endDate: '2026-12-31' }] })]);
    const { employeeId, caseId } = await sick(employer.id, '1');
    const ended = expect.objectContaining({ kind: 'employment_ended_while_sick', eventDate: '2026-12-31' });
    expect((await caseOfEmployee(store.db, employeeId, caseId)).events).toEqual([ended]);
    // The same end delivered again adds nothing; the source withdrawing it is recorded.
    await run([person('1', { employments: [{ endDate: '2026-12-31' }] })]);
    expect((await caseOfEmployee(store.db, employeeId, caseId)).events).toEqual([ended]);
    expect((await run([person('1')])).status).toBe('completed');
    expect((await caseOfEmployee(store.db, employeeId, caseId)).events).toEqual([
      ended,
      expect.objectContaining({ kind: 'employment_end_withdrawn', eventDate: '2026-11-28' }),
    ]);
  });

  it('When a delivery moves an employment past the first sick day of its open case, then the run says so and the case stays', async () => {
    const vault = testVault(store);
    const { employer, run } = await syncRunner(
      store,
      vault,
      testLink('sick-moved', { delivery: 'mutations' }),
    );
    await run([person('1')]);
    const { employeeId, caseId } = await sick(employer.id, '1');
    const moved = await run([person('1', { employments: [{ startDate: '2026-11-20' }] })]);
    expect(moved.status).toBe('completed');
    expect(moved.notices).toEqual([
      {
        position: 'delivery.csv:1',
        field: 'employment.startDate',
        message:
          'employment 1-1 now runs from 2026-11-20, so its open absence case from 2026-11-16 lies outside it: ' +
          'check the case (end it, or have the dates corrected at the source)',
      },
    ]);
    expect((await caseOfEmployee(store.db, employeeId, caseId)).status).toBe('open');
    // A rerun changes no dates and says nothing.
    const again = await run([person('1', { employments: [{ startDate: '2026-11-20' }] })]);
    expect(again.notices).toEqual([]);
    // An end moved before the first sick day is named so.
    const ended = await run([
      person('1', { employments: [{ startDate: '2020-01-01', endDate: '2026-11-10' }] }),
    ]);
    expect(ended.notices.map((n) => [n.field, n.message.slice(0, 60)])).toEqual([
      ['employment.endDate', 'employment 1-1 now runs from 2020-01-01 to 2026-11-10, so it'],
    ]);
  });

  // On the embedded store the report would wait for the connection the sync holds anyway.
  it.skipIf(testStoreKind === 'pglite')(
    'When a sync changes the end date while a sick report comes in, then the report waits and records the new end',
    async () => {
      // Before, the employment had an end date, or none: a report that reads no end date still waits.
      for (const [code, endDate] of [
        ['sick-race', '2026-12-31'],
        ['sick-race-open', undefined],
      ] as const) {
        const vault = testVault(store);
        const { employer, run } = await syncRunner(store, vault, testLink(code));
        await run([person('1', { employments: [endDate ? { endDate } : {}] })]);
        const trx = await store.db.transaction();
        let reported: Promise<{ employeeId: string; caseId: string }> | undefined;
        try {
          await trx('employments').where({ employer_id: employer.id }).update({ end_date: '2027-03-31' });
          reported = sick(employer.id, '1');
          await new Promise((resolve) => setTimeout(resolve, 200));
          await trx.commit();
        } catch (err) {
          await trx.rollback();
          throw err;
        }
        const { employeeId, caseId } = await reported;
        expect((await caseOfEmployee(store.db, employeeId, caseId)).events, code).toEqual([
          expect.objectContaining({ kind: 'employment_ended_while_sick', eventDate: '2027-03-31' }),
        ]);
      }
    },
  );
});
