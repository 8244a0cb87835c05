import { describe, expect, it, vi } from 'vitest';
import { GapSlots } from '../../src/jobs/dst.js';
import { Scheduler } from '../../src/jobs/scheduler.js';
import { linkSchema } from '../../src/sync/link.js';

describe('cron slots when the clocks change (Europe/Amsterdam)', () => {
  const gaps = new GapSlots('Europe/Amsterdam');

  it('When clocks go forward over a slot, then it is due at the first minute after the jump', () => {
    const found = gaps.slots(
      ['30 2 * * *', '0 3 * * *', '*/15 * * * *', '0 1 * * *', '30 2 * * 0', '30 2 * * 1'],
      new Date('2026-03-29T00:50:00Z'),
      new Date('2026-03-29T01:10:00Z'),
    );
    // 01:59 CET is followed by 03:00 CEST (01:00Z). A slot at 03:00 or every quarter runs anyway.
    expect(found).toEqual([
      { at: new Date('2026-03-29T01:00:00Z'), expressions: ['30 2 * * *', '30 2 * * 0'] },
    ]);
  });

  it('When clocks go back or do not change, then no extra slot is due', () => {
    expect(
      gaps.slots(['30 2 * * *'], new Date('2026-10-25T00:00:00Z'), new Date('2026-10-25T02:00:00Z')),
    ).toEqual([]);
    expect(
      gaps.slots(['30 2 * * *'], new Date('2026-06-01T00:00:00Z'), new Date('2026-06-01T03:00:00Z')),
    ).toEqual([]);
  });

  it('When a service starts after a slot, then the latest slot of the window is found, twice over in the repeated hour', () => {
    const day = (from: string, to: string, expression = '30 2 * * *') =>
      gaps.lastSlot(expression, new Date(from), new Date(to));
    // 02:30 in winter is 01:30Z; the slot of the day before lies outside the window.
    expect(day('2026-11-28T02:00:00Z', '2026-11-29T09:00:00Z')).toEqual([new Date('2026-11-29T01:30:00Z')]);
    expect(day('2026-11-28T00:00:00Z', '2026-11-29T01:29:59Z')).toEqual([new Date('2026-11-28T01:30:00Z')]);
    expect(day('2026-11-29T01:30:00Z', '2026-11-29T09:00:00Z')).toBeUndefined();
    expect(day('2026-11-28T02:00:00Z', '2026-11-29T09:00:00Z', '15 30 2 * * *')).toEqual([
      new Date('2026-11-29T01:30:15Z'),
    ]);
    expect(day('2026-11-29T01:30:00Z', '2026-11-29T01:30:14Z', '15 30 2 * * *')).toBeUndefined();
    // A schedule every few seconds comes round again soon: no slot is looked for.
    expect(day('2026-11-28T02:00:00Z', '2026-11-29T09:00:00Z', '*/2 * * * * *')).toBeUndefined();
    // 25 October 2026: 03:00 CEST becomes 02:00 CET, so 02:30 comes at 00:30Z and at 01:30Z.
    expect(day('2026-10-24T12:00:00Z', '2026-10-25T06:00:00Z')).toEqual([
      new Date('2026-10-25T00:30:00Z'),
      new Date('2026-10-25T01:30:00Z'),
    ]);
    // Between the two the slot has not come: the cron runs it at the second.
    expect(day('2026-10-24T12:00:00Z', '2026-10-25T01:00:00Z')).toBeUndefined();
  });

  it('When a service starts after the clocks went forward over a slot, then that slot is found at the first minute after the jump', () => {
    const day = (from: string, to: string, expression = '30 2 * * *') =>
      gaps.lastSlot(expression, new Date(from), new Date(to));
    // 29 March 2026: 02:00 CET becomes 03:00 CEST (01:00Z); 02:30 never comes and runs at 03:00.
    expect(day('2026-03-28T06:00:00Z', '2026-03-29T06:00:00Z')).toEqual([new Date('2026-03-29T01:00:00Z')]);
    expect(day('2026-03-28T06:00:00Z', '2026-03-29T00:59:59Z')).toBeUndefined();
    expect(day('2026-03-29T01:00:00Z', '2026-03-29T06:00:00Z')).toBeUndefined();
    // A slot at 03:00 itself comes as it is; one at 03:30 is not moved.
    expect(day('2026-03-28T06:00:00Z', '2026-03-29T06:00:00Z', '0 3 * * *')).toEqual([
      new Date('2026-03-29T01:00:00Z'),
    ]);
    expect(day('2026-03-28T06:00:00Z', '2026-03-29T06:00:00Z', '30 3 * * *')).toEqual([
      new Date('2026-03-29T01:30:00Z'),
    ]);
    // The same instant the scheduler runs it at, so the slot's claim is the same.
    expect(
      gaps.slots(['30 2 * * *'], new Date('2026-03-29T00:50:00Z'), new Date('2026-03-29T06:00:00Z')),
    ).toEqual([{ at: day('2026-03-28T06:00:00Z', '2026-03-29T06:00:00Z')![0], expressions: ['30 2 * * *'] }]);
  });

  it('When the scheduler checks past a jump forward, then a job with a slot in the skipped hour runs once, at 03:00', async () => {
    const scheduler = new Scheduler('Europe/Amsterdam');
    const slots: string[] = [];
    scheduler.add({
      name: 'nightly',
      cron: '30 2 * * *',
      run: async (slot) => void slots.push(slot.toISOString()),
    });
    scheduler.add({
      name: 'hourly',
      cron: '0 * * * *',
      run: async (slot) => void slots.push(`hourly ${slot.toISOString()}`),
    });
    scheduler.runSkippedSlots(new Date('2026-03-29T01:00:20Z'), new Date('2026-03-29T00:59:40Z'));
    scheduler.runSkippedSlots(new Date('2026-03-29T01:00:40Z'), new Date('2026-03-29T01:00:20Z'));
    await new Promise((r) => setTimeout(r, 10));
    await scheduler.stop();
    expect(slots).toEqual(['2026-03-29T01:00:00.000Z']);
  });
});

describe('a slot that comes while the process is busy', () => {
  it('When the timer fires seconds late, then the slot still runs', async () => {
    vi.useFakeTimers({
      now: new Date('2026-01-05T01:59:30Z'),
      toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'],
    });
    try {
      const scheduler = new Scheduler('Europe/Amsterdam');
      const slots: string[] = [];
      scheduler.add({
        name: 'nightly',
        cron: '0 3 * * *',
        run: async (slot) => void slots.push(slot.toISOString()),
      });
      // The event loop was blocked: the clock is 35 seconds past the slot when its timer runs.
      vi.setSystemTime(new Date('2026-01-05T02:00:05Z'));
      await vi.advanceTimersByTimeAsync(31_000);
      await scheduler.stop();
      expect(slots).toEqual(['2026-01-05T02:00:00.000Z']);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('a schedule no date matches', () => {
  const never = '0 2 8-14 * 1#1'; // the first Monday of a month, between the 8th and the 14th

  it('When a link names such a schedule, then the link is refused with what is wrong', () => {
    const parsed = linkSchema.safeParse({
      employer: { code: 'never', name: 'Never BV' },
      connector: 'csv',
      source: { file: 'x.csv' },
      mapping: 'mappings/csv-standard.yaml',
      delivery: 'complete',
      schedule: never,
    });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['schedule', expect.stringMatching(/^a schedule that comes round: no date matches/)],
    ]);
  });

  it('When the scheduler is given one, then it refuses that job and keeps no task of it', async () => {
    const scheduler = new Scheduler('Europe/Amsterdam');
    expect(() => scheduler.add({ name: 'never', cron: never, run: async () => undefined })).toThrow(
      /Job never: "0 2 8-14 \* 1#1" has no slot to run at/,
    );
    scheduler.add({ name: 'nightly', cron: '30 2 * * *', run: async () => undefined });
    expect(scheduler.jobNames()).toEqual(['nightly']);
    await scheduler.stop();
  });
});

describe('a scheduler that stops', () => {
  it('When work is going, then it stops once that work has ended, and only then does its stop steps', async () => {
    const scheduler = new Scheduler('Europe/Amsterdam');
    const order: string[] = [];
    let finish!: () => void;
    scheduler.add({
      name: 'slow',
      cron: '0 3 * * *',
      run: () => new Promise<void>((resolve) => (finish = resolve)).then(() => void order.push('job')),
    });
    const late = scheduler.runLate('slow', new Date('2026-11-29T02:00:00Z'));
    let tracked!: () => void;
    scheduler.track(
      new Promise<void>((resolve) => (tracked = resolve)).then(() => void order.push('tracked')),
    );
    scheduler.onStop(async () => void order.push('step'));
    const stopped = scheduler.stop();
    await new Promise((r) => setTimeout(r, 10));
    expect(order).toEqual([]);
    finish();
    tracked();
    await Promise.all([stopped, late]);
    expect(order).toEqual(['job', 'tracked', 'step']);
  });
});
