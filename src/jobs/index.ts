import type { Runtime } from '../runtime.js';
import type { Scheduler } from './scheduler.js';
import { registerSyncJobs } from './sync.js';
import { fixedTermEndingsJob, pregnancyLeaveEndsJob } from './absence.js';

/** Registers every scheduled job of the service with the scheduler. */
export async function registerJobs(scheduler: Scheduler, runtime: Runtime): Promise<void> {
  await registerSyncJobs(scheduler, runtime);
  scheduler.add(fixedTermEndingsJob(runtime));
  scheduler.add(pregnancyLeaveEndsJob(runtime));
}
