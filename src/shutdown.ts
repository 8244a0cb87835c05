import { constants } from 'node:os';
import { log } from './log.js';
import { releaseLocks } from './store/lock.js';

type Step = () => Promise<void>;

const signals = ['SIGINT', 'SIGTERM'] as const;
const steps: Step[] = [];
const cancels: Step[] = [];
let stoppingOn: NodeJS.Signals | undefined;

/** Adds `step` to `list`; returns a function that takes it out again. */
function register(list: Step[], step: Step): () => void {
  list.push(step);
  return () => {
    const i = list.lastIndexOf(step);
    if (i >= 0) list.splice(i, 1);
  };
}

/**
 * Registers work to finish before the process ends on SIGINT or SIGTERM (closing a store, say);
 * steps run last registered first, after the work under way is cancelled (`cancelOnShutdown`).
 * Returns a function that unregisters it.
 */
export function onShutdown(step: Step): () => void {
  return register(steps, step);
}

/**
 * Registers the cancelling of work under way (the statements of the sync runs going, say) on
 * SIGINT or SIGTERM: every such step runs, all at once, before any step of `onShutdown`, which may
 * wait for that work to end, whenever either was registered. One registered while the process
 * stops runs before its next step. Returns a function that unregisters it.
 */
export function cancelOnShutdown(step: Step): () => void {
  return register(cancels, step);
}

/** The signal the process is stopping on, if it is. */
export function stoppingSignal(): NodeJS.Signals | undefined {
  return stoppingOn;
}

/**
 * Ends the process as the signal would have: the shell, Docker and systemd see an end by that
 * signal (exit status 130 for SIGINT, 143 for SIGTERM).
 */
function end(signal: NodeJS.Signals): never {
  releaseLocks();
  for (const s of signals) process.removeListener(s, onSignal);
  process.kill(process.pid, signal);
  // Still here: the signal is ignored, as it is for the first process of a container.
  process.exit(128 + constants.signals[signal]);
}

function onSignal(signal: NodeJS.Signals): void {
  if (stoppingOn) end(signal);
  stoppingOn = signal;
  log.info('stopping; a second signal stops at once', { signal });
  // A second signal takes the default action again, which ends the process at once, also in the
  // middle of a long statement (its lock is then taken over by the next process). Not for the first
  // process of a container, which the default action does not end: there this listener ends it.
  if (process.pid !== 1) for (const s of signals) process.removeListener(s, onSignal);
  const finish = async (step: Step) => {
    try {
      await step();
    } catch (err) {
      log.error('stopping: could not finish', { err });
    }
  };
  void (async () => {
    for (;;) {
      // What is under way is cancelled first: no step waits for work that nothing has cancelled.
      const cancelling = cancels.splice(0);
      if (cancelling.length > 0) {
        await Promise.all(cancelling.map(finish));
        continue;
      }
      const step = steps.pop();
      if (!step) break;
      await finish(step);
    }
    end(signal);
  })();
}

/**
 * Makes SIGINT and SIGTERM stop the process cleanly: the registered steps run (the embedded store
 * closes, rolling back a transaction still running, and removes its lock), then the process ends
 * by that signal. A second signal ends it at once.
 */
export function stopOnSignals(): void {
  for (const s of signals) if (!process.listeners(s).includes(onSignal)) process.on(s, onSignal);
}

/** Ends the process with `code`, unless it is stopping on a signal, which then decides how it ends. */
export function exitUnlessStopping(code: number): void {
  if (!stoppingOn) process.exit(code);
}
