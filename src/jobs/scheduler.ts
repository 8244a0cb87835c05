import cron, { type ScheduledTask } from 'node-cron';
import { log } from '../log.js';
import { stoppingSignal } from '../shutdown.js';
import { GapSlots } from './dst.js';

export interface ScheduledJob {
  name: string;
  /** Cron expression (five or six fields) in the scheduler's time zone. */
  cron: string;
  run(slot: Date): Promise<void>;
}

/** How late a slot may still start (and not later than the next slot of the job). */
const lateSlotTolerance = 10 * 60_000;

/**
 * Runs jobs on cron schedules in one time zone. A job still running when its next slot comes is not
 * started twice in this process; claiming a slot across instances is the job's own business (in PostgreSQL).
 */
export class Scheduler {
  private readonly tasks = new Map<string, { task: ScheduledTask; job: ScheduledJob }>();
  private readonly stopSteps: Array<() => Promise<void>> = [];
  /** Jobs and tracked work going: `stop` waits for them (they end soon once the process stops). */
  private readonly going = new Set<Promise<unknown>>();
  private readonly running = new Set<string>();
  private readonly gaps: GapSlots;
  private checkedTo = new Date();
  private readonly gapTimer: NodeJS.Timeout;

  constructor(private readonly timezone: string) {
    this.gaps = new GapSlots(timezone);
    // Slots in the hour skipped when clocks go forward run right after it (see GapSlots).
    this.gapTimer = setInterval(() => this.runSkippedSlots(new Date()), 20_000);
    this.gapTimer.unref();
  }

  /** Fires the jobs whose slots fell in a clock jump forward after `from` (the last check), up to `now`. */
  runSkippedSlots(now: Date, from: Date = this.checkedTo): void {
    const jobs = [...this.tasks.values()].map((t) => t.job);
    const found = this.gaps.slots(
      jobs.map((j) => j.cron),
      from,
      now,
    );
    this.checkedTo = now;
    for (const { at, expressions } of found) {
      for (const job of jobs.filter((j) => expressions.includes(j.cron))) {
        log.info('scheduled slot skipped by the clock change runs now', {
          job: job.name,
          slot: at.toISOString(),
        });
        void this.fire(job, at);
      }
    }
  }

  add(job: ScheduledJob): void {
    if (!cron.validate(job.cron))
      throw new Error(`Job ${job.name}: "${job.cron}" is not a valid cron expression.`);
    this.remove(job.name);
    const task = cron.createTask(job.cron, (context) => this.fire(job, context.date), {
      timezone: this.timezone,
      name: job.name,
      noOverlap: true,
      // A slot is still run when the process was busy for a moment when it came (a long
      // statement on the embedded store, say); by default one a second late was dropped.
      missedExecutionTolerance: lateSlotTolerance,
    });
    try {
      // Throws for an expression no date matches, which `validate` lets through.
      task.start();
    } catch (err) {
      void task.destroy();
      throw new Error(`Job ${job.name}: "${job.cron}" has no slot to run at: ${(err as Error).message}`, {
        cause: err,
      });
    }
    this.tasks.set(job.name, { task, job });
  }

  remove(name: string): void {
    const entry = this.tasks.get(name);
    if (entry) {
      void entry.task.destroy();
      this.tasks.delete(name);
    }
  }

  /** The latest slot of job `name` in (from, to], as the instants it came at (see `GapSlots.lastSlot`). */
  lastSlot(name: string, from: Date, to: Date): Date[] | undefined {
    const entry = this.tasks.get(name);
    return entry && this.gaps.lastSlot(entry.job.cron, from, to);
  }

  /** Runs job `name` now for a slot that came while the service was not running (not twice at once). */
  async runLate(name: string, slot: Date): Promise<void> {
    const entry = this.tasks.get(name);
    if (entry) await this.fire(entry.job, slot);
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
    const run = job.run(slot);
    this.track(run);
    try {
      await run;
    } catch (err) {
      log.error('scheduled job failed', { job: job.name, err });
    } finally {
      this.running.delete(job.name);
    }
  }

  /** Work for `stop`, done once the jobs going have ended (the store is still open then). */
  onStop(step: () => Promise<void>): void {
    this.stopSteps.push(step);
  }

  /** Work a job started without waiting for it (a slot taken again): `stop` waits for it too. */
  track(work: Promise<unknown>): void {
    this.going.add(work);
    void work.finally(() => this.going.delete(work)).catch(() => undefined);
  }

  async stop(): Promise<void> {
    clearInterval(this.gapTimer);
    this.gaps.stop();
    for (const name of [...this.tasks.keys()]) this.remove(name);
    // A job may have tracked more work meanwhile: wait until nothing is going.
    while (this.going.size > 0) await Promise.allSettled([...this.going]);
    for (const step of this.stopSteps.splice(0)) await step();
  }
}
