import type { Runtime } from '../runtime.js';
import type { Scheduler } from './scheduler.js';

/** Registers every scheduled job of the service with the scheduler. */
export async function registerJobs(_scheduler: Scheduler, _runtime: Runtime): Promise<void> {
  // Job modules add themselves here as they are built (nightly syncs, outbox relay, signals, retention).
}
