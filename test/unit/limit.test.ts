import { describe, expect, it } from 'vitest';
import { concurrencyLimit } from '../../src/jobs/limit.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe('concurrencyLimit', () => {
  it('When more tasks come than the limit, then at most that many run, the rest in the order they came', async () => {
    const turn = concurrencyLimit(2);
    let active = 0;
    let most = 0;
    const started: number[] = [];
    const results = await Promise.all(
      Array.from({ length: 7 }, (_, i) =>
        turn(async () => {
          started.push(i);
          active += 1;
          most = Math.max(most, active);
          await tick();
          active -= 1;
          return i * 10;
        }),
      ),
    );
    expect(results).toEqual([0, 10, 20, 30, 40, 50, 60]);
    expect(most).toBe(2);
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('When a task fails, then its error reaches the caller and the next task still gets its turn', async () => {
    const turn = concurrencyLimit(1);
    const failing = turn(async () => {
      await tick();
      throw new Error('broken delivery');
    });
    const next = turn(async () => 'ran');
    await expect(failing).rejects.toThrow('broken delivery');
    await expect(next).resolves.toBe('ran');
    // All turns were given back: a new task starts at once.
    await expect(turn(async () => 'again')).resolves.toBe('again');
  });

  it('When the limit is not a whole number of at least 1, then it is refused', () => {
    expect(() => concurrencyLimit(0)).toThrow(/at least 1/);
    expect(() => concurrencyLimit(1.5)).toThrow(/at least 1/);
  });
});
