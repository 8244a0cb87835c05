import { log } from '../log.js';
import type { Runtime } from '../runtime.js';
import { todayIn } from '../domain/dates.js';
import { fixedTermEndingsOfSick } from '../absence/sync-events.js';
import { endFinishedLeaves } from '../absence/pregnancy.js';
import type { ScheduledJob } from './scheduler.js';

/**
 * Every morning: fixed-term employments of sick employees that end within six weeks become case
 * events (once per case and end date), for the case file and the end-of-employment signal. The insert
 * is idempotent, so several instances running it at the same time record each event once.
 */
export function fixedTermEndingsJob(runtime: Pick<Runtime, 'store' | 'config'>): ScheduledJob {
  return morningJob(runtime, 'absence:fixed-term-endings', '0 6 * * *', async (today) => {
    const endings = await fixedTermEndingsOfSick(runtime.store.db, today, { record: true });
    log.info('fixed-term endings of sick employees recorded', { today, count: endings.length });
  });
}

/**
 * Every morning: pregnancy cases whose leave is over end on its last day (see `endFinishedLeaves`),
 * so they no longer count as open cases. Several instances at once end each case once.
 */
export function pregnancyLeaveEndsJob(runtime: Pick<Runtime, 'store' | 'config'>): ScheduledJob {
  return morningJob(runtime, 'absence:pregnancy-leave-ends', '10 6 * * *', async (today) => {
    const count = await endFinishedLeaves(runtime.store.db, today);
    log.info('pregnancy cases whose leave is over ended', { today, count });
  });
}

/** A daily job that works on the slot's day in the configured time zone. */
function morningJob(
  runtime: Pick<Runtime, 'config'>,
  name: string,
  cron: string,
  work: (today: string) => Promise<void>,
): ScheduledJob {
  return { name, cron, run: (slot) => work(todayIn(runtime.config.timezone, slot)) };
}
