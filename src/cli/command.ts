import type { ParseArgsConfig } from 'node:util';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface CommandIO {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

/** One `koppeling` command: its usage line, flags, and what it does. Returns the exit code. */
export interface Command {
  /** Words that select it, e.g. `['runs', 'show']`. */
  name: string[];
  usage: string;
  summary: string;
  options: OptionSpec;
  /** How many positional arguments it takes. */
  positionals: { min: number; max: number };
  /**
   * With `--json`: the one JSON object printed on stdout when the command fails (exit 1) before it
   * has its own answer, e.g. `{runId: null, status: "failed", message}`; without it, `{error}`. A
   * string is written as it is: the end of a document the command had begun to print. The message
   * goes to stderr too.
   */
  jsonFailure?(message: string): unknown;
  /** Stays running (serve) instead of exiting when `run` resolves. */
  longRunning?: boolean;
  run(args: {
    values: Record<string, string | boolean | Array<string | boolean> | undefined>;
    positionals: string[];
    io: CommandIO;
  }): Promise<number>;
}

/** Exit codes shared by all commands. */
export const exitCodes = { ok: 0, failed: 1, usage: 2, guard: 3 } as const;

export class UsageError extends Error {
  override name = 'UsageError';
}

/** A `--name N` option: a whole number from 1 to `max`, `fallback` when not given. */
export function countOption(
  text: unknown,
  name: string,
  fallback: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (text === undefined) return fallback;
  const value = typeof text === 'string' && /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(value >= 1 && value <= max)) {
    const range = max === Number.MAX_SAFE_INTEGER ? 'of at least 1' : `from 1 to ${max}`;
    throw new UsageError(`--${name} must be a whole number ${range}, got "${String(text)}"`);
  }
  return value;
}
