import cron, { type ScheduledTask } from 'node-cron';
import { log } from '../log.js';
import { stoppingSignal } from '../shutdown.js';

export interface ScheduledJob {
  name: string;
  /** Cron expression (five or six fields) in the scheduler's time zone. */
  cron: string;
  run(slot: Date): Promise<void>;
}

/**
 * Runs jobs on cron schedules in one time zone. A job still running when its next slot comes is not
 * started twice in this process; claiming a slot across instances is the job's own business (in PostgreSQL).
 */
export class Scheduler {
  private readonly tasks = new Map<string, ScheduledTask>();
  private readonly running = new Set<string>();

  constructor(private readonly timezone: string) {}

  add(job: ScheduledJob): void {
    if (!cron.validate(job.cron))
      throw new Error(`Job ${job.name}: "${job.cron}" is not a valid cron expression.`);
    this.remove(job.name);
    const task = cron.createTask(job.cron, (context) => this.fire(job, context.date), {
      timezone: this.timezone,
      name: job.name,
      noOverlap: true,
    });
    this.tasks.set(job.name, task);
    task.start();
  }

  remove(name: string): void {
    const task = this.tasks.get(name);
    if (task) {
      void task.destroy();
      this.tasks.delete(name);
    }
  }

  jobNames(): string[] {
    return [...this.tasks.keys()];
  }

  private async fire(job: ScheduledJob, slot: Date): Promise<void> {
    // Stopping on a signal: no new work (the scheduler itself is stopped once running work is).
    if (stoppingSignal()) return;
    if (this.running.has(job.name)) {
      log.warn('scheduled job still running; slot skipped', { job: job.name });
      return;
    }
    this.running.add(job.name);
    try {
      await job.run(slot);
    } catch (err) {
      log.error('scheduled job failed', { job: job.name, err });
    } finally {
      this.running.delete(job.name);
    }
  }

  async stop(): Promise<void> {
    for (const name of [...this.tasks.keys()]) this.remove(name);
  }
}
