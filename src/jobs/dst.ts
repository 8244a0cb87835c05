import cron, { type ScheduledTask } from 'node-cron';

/**
 * When clocks go forward (in Europe/Amsterdam the last Sunday of March, 02:00 becomes 03:00), the
 * local minutes in between never happen, and a cron slot there (a nightly sync at 02:30) would be
 * skipped that night. Like the classic cron daemons, such a slot runs at the first minute after
 * the jump instead. When clocks go back, the repeated hour runs a slot once (the cron library's
 * own behaviour).
 */

const MINUTE = 60_000;

/** Wall-clock reading in a time zone, as the UTC instant with the same fields (for comparing). */
function wallClock(format: Intl.DateTimeFormat, at: Date): number {
  const parts: Record<string, number> = {};
  for (const p of format.formatToParts(at)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour! % 24, parts.minute!);
}

/** Reads cron expressions against wall-clock fields (a matcher in UTC given wall-clock-as-UTC). */
export class GapSlots {
  private readonly format: Intl.DateTimeFormat;
  private readonly matchers = new Map<string, ScheduledTask>();

  constructor(timeZone: string) {
    this.format = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
    });
  }

  private matcher(expression: string): ScheduledTask {
    let m = this.matchers.get(expression);
    if (!m) {
      // Never started: only its matcher is used.
      m = cron.createTask(expression, () => undefined, { timezone: 'UTC' });
      this.matchers.set(expression, m);
    }
    return m;
  }

  /**
   * Whether `expression` had a slot in the wall-clock minutes a jump forward from `before` to `now`
   * skipped, and none at `now` itself (that one runs anyway).
   */
  private skipped(expression: string, before: number, now: number): boolean {
    const matcher = this.matcher(expression);
    if (matcher.match(new Date(now))) return false;
    for (let w = before + MINUTE; w < now; w += MINUTE) if (matcher.match(new Date(w))) return true;
    return false;
  }

  /**
   * The minutes in (from, to] right after a jump forward, each with the expressions that had a slot
   * in the skipped wall-clock minutes and none at that minute itself (those run anyway).
   */
  slots(expressions: readonly string[], from: Date, to: Date): Array<{ at: Date; expressions: string[] }> {
    const out: Array<{ at: Date; expressions: string[] }> = [];
    const first = Math.floor(from.getTime() / MINUTE) * MINUTE + MINUTE;
    let before = wallClock(this.format, new Date(first - MINUTE));
    for (let t = first; t <= to.getTime(); t += MINUTE) {
      const now = wallClock(this.format, new Date(t));
      if (now - before > MINUTE) {
        const due = expressions.filter((e) => this.skipped(e, before, now));
        if (due.length > 0) out.push({ at: new Date(t), expressions: due });
      }
      before = now;
    }
    return out;
  }

  /**
   * The latest slot of `expression` in (from, to], as the instants it came at: one, or two when the
   * clocks went back and its wall-clock minute came twice (earliest first; the cron library runs it
   * at the second, so one whose second has not come yet has not come). A slot in the minutes skipped
   * when the clocks went forward came at the first minute after the jump, where `slots` runs it.
   * Minute by minute: an expression with a seconds field other than a single second (a schedule every
   * few seconds, which comes round again soon anyway) has none.
   */
  lastSlot(expression: string, from: Date, to: Date): Date[] | undefined {
    const fields = expression.trim().split(/\s+/);
    const second = fields.length === 6 ? Number(fields[0]) : 0;
    if (!Number.isInteger(second) || second < 0 || second > 59) return undefined;
    const matcher = this.matcher(expression);
    const wall = (t: number) => wallClock(this.format, new Date(t)) + second * 1000;
    const last = Math.floor(to.getTime() / MINUTE) * MINUTE;
    let now = wallClock(this.format, new Date(last));
    for (let t = last; t + second * 1000 > from.getTime(); t -= MINUTE) {
      const before = wallClock(this.format, new Date(t - MINUTE));
      const jumped = now - before > MINUTE && t > from.getTime();
      if (jumped && t <= to.getTime() && this.skipped(expression, before, now)) return [new Date(t)];
      const at = t + second * 1000;
      const here = now + second * 1000;
      // The first of a repeated minute does not count: the cron library runs the slot at the second.
      if (at <= to.getTime() && matcher.match(new Date(here)) && wall(t + 60 * MINUTE) !== here) {
        const earlier = t - 60 * MINUTE;
        return wall(earlier) === here ? [new Date(earlier + second * 1000), new Date(at)] : [new Date(at)];
      }
      now = before;
    }
    return undefined;
  }

  stop(): void {
    for (const m of this.matchers.values()) void m.destroy();
    this.matchers.clear();
  }
}
