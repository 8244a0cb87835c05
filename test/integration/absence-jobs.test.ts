import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore, testConfig, type TestStore } from '../helpers/store.js';
import { seedEmployee, seedEmployer } from '../helpers/absence.js';
import { reportSick } from '../../src/absence/cases.js';
import { fixedTermEndingsJob } from '../../src/jobs/absence.js';
import { Scheduler } from '../../src/jobs/scheduler.js';

describe('absence jobs', () => {
  let store: TestStore;
  beforeAll(async () => {
    store = await createTestStore();
  });
  afterAll(() => store.close());

  it('When the morning job runs, then fixed-term endings of sick employees within six weeks become case events once', async () => {
    const { employerId, departmentId } = await seedEmployer(store.db);
    const sick = await seedEmployee(store.db, {
      employerId,
      departmentId,
      contractType: 'B',
      endDate: '2027-01-05',
    });
    const ctx = { db: store.db, actor: { type: 'user' as const, id: 'u-1' }, today: '2026-11-28' };
    await reportSick(ctx, sick.employeeId, { firstSickDay: '2026-11-24', percentage: 50 });
    const job = fixedTermEndingsJob({ store, config: testConfig() });
    // 06:00 in Amsterdam on 28 November 2026 is 05:00 UTC.
    const slot = new Date('2026-11-28T05:00:00Z');
    await job.run(slot);
    await job.run(slot);
    const events = await store
      .db('case_events')
      .where({ employee_id: sick.employeeId })
      .orderBy('recorded_at');
    // The end the employment had when the employee fell sick, then the warning six weeks ahead.
    expect(events.map((e) => [e.kind, e.event_date])).toEqual([
      ['employment_ended_while_sick', '2027-01-05'],
      ['fixed_term_ending_while_sick', '2027-01-05'],
    ]);
  });

  it('When the job is scheduled, then its cron expression is valid', () => {
    const scheduler = new Scheduler('Europe/Amsterdam');
    scheduler.add(fixedTermEndingsJob({ store, config: testConfig() }));
    expect(scheduler.jobNames()).toEqual(['absence:fixed-term-endings']);
    void scheduler.stop();
  });
});
