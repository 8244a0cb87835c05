import { setFlagsFromString } from 'node:v8';

/**
 * Sets how far V8 lets the heap grow past the data still live after a full collection. By default
 * V8 allows up to four times the live data when collecting is cheap: a sync run that keeps about
 * 40 MB live would then hold 150 MB or more of garbage. At 50% it collects sooner, at a cost of a
 * few percent of CPU. The flag is read at every collection, so it takes effect while running.
 * `percent` 0 leaves the choice to V8.
 */
export function limitHeapGrowth(percent: number): void {
  setFlagsFromString(`--heap-growing-percent=${percent}`);
}
