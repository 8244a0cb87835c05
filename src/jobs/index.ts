import type { Runtime } from '../runtime.js';
import type { Scheduler } from './scheduler.js';
import { registerSyncJobs } from './sync.js';

/** Registers every scheduled job of the service with the scheduler. */
export async function registerJobs(scheduler: Scheduler, runtime: Runtime): Promise<void> {
  // Job modules add themselves here as they are built (outbox relay, signals, retention).
  await registerSyncJobs(scheduler, runtime);
}
