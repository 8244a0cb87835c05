import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants } from 'node:os';
import { join } from 'node:path';

export const repoRoot = join(import.meta.dirname, '..', '..');
export const binPath = join(repoRoot, 'src', 'bin.js');

/** Vault keys shared by several processes of one test (as configured instances share them in production). */
export function sharedKeys(): Record<string, string> {
  return {
    KOPPELING_MASTER_KEY: randomBytes(32).toString('base64'),
    KOPPELING_INDEX_KEY: randomBytes(32).toString('base64'),
  };
}

export interface SpawnedProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** The exit status a shell shows for a process: its exit code, or 128 + the signal that ended it. */
export function exitStatus(exit: { code: number | null; signal: NodeJS.Signals | null }): number {
  return exit.code ?? 128 + constants.signals[exit.signal!];
}

/** Starts `koppeling <args>` as a real process in the repository root and collects its output. */
export function spawnKoppeling(args: string[], env: NodeJS.ProcessEnv): SpawnedProcess {
  return spawnNode([binPath, ...args], { PATH: process.env.PATH, HOME: process.env.HOME, ...env });
}

/** Starts a TypeScript file of the repository (a test helper) as a process of its own. */
export function spawnScript(
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): SpawnedProcess {
  return spawnNode(['--import', 'tsx', join(repoRoot, script), ...args], env);
}

function spawnNode(args: string[], env: NodeJS.ProcessEnv): SpawnedProcess {
  const child = spawn(process.execPath, args, { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += String(d)));
  child.stderr!.on('data', (d) => (out += String(d)));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => out, exited };
}

/** Resolves when the output contains `text`, or rejects after `ms`. */
export async function waitForOutput(output: () => string, text: string | RegExp, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const o = output();
    if (typeof text === 'string' ? o.includes(text) : text.test(o)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${String(text)}; output so far:\n${output()}`);
}

export interface RunningService {
  child: ChildProcess;
  url: string;
  output(): string;
  /** Sends the signal (SIGTERM unless given) and resolves with the exit status. */
  stop(signal?: NodeJS.Signals): Promise<number>;
}

/** Starts `koppeling serve` on a free port and waits for its "listening" line. */
export async function startService(env: NodeJS.ProcessEnv, timeoutMs = 45_000): Promise<RunningService> {
  const proc = spawnKoppeling(['serve'], { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env });
  let exitedEarly = false;
  void proc.exited.then(() => (exitedEarly = true));
  try {
    await waitForOutput(proc.output, /listening on http:\/\/\S+/, timeoutMs);
  } catch (err) {
    if (exitedEarly) throw new Error(`service exited early:\n${proc.output()}`, { cause: err });
    proc.child.kill('SIGKILL');
    throw err;
  }
  const url = /listening on (http:\/\/\S+)/.exec(proc.output())![1]!.replace('localhost', '127.0.0.1');
  return {
    child: proc.child,
    url,
    output: proc.output,
    stop: async (signal = 'SIGTERM') => {
      if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill(signal);
      return exitStatus(await proc.exited);
    },
  };
}
