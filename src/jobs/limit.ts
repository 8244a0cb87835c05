/**
 * At most `concurrency` tasks at a time; the others wait in the order they came. Scheduled syncs of
 * many employers often share one slot (02:30): started all at once, they would hold every database
 * connection and the last ones would fail waiting for one.
 */
export type Turn = <T>(task: () => Promise<T>) => Promise<T>;

export function concurrencyLimit(concurrency: number): Turn {
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error('concurrency must be at least 1');
  let active = 0;
  const waiting: Array<() => void> = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active >= concurrency) await new Promise<void>((resolve) => waiting.push(resolve));
    else active += 1;
    try {
      return await task();
    } finally {
      // The turn passes straight to the next waiting task, so `active` stays as it is.
      const next = waiting.shift();
      if (next) next();
      else active -= 1;
    }
  };
}
