import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { main } from '../../src/cli/main.js';
import { testDatabaseUrl, type TestStore } from './store.js';

/** Environment for running CLI commands against a test store (its PostgreSQL schema, or a PGlite data folder). */
export function cliEnv(store: TestStore, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const dataDir = mkdtempSync(join(tmpdir(), 'koppeling-cli-'));
  return {
    KOPPELING_DATA_DIR: dataDir,
    LOG_LEVEL: 'error',
    LOG_FORMAT: 'json',
    KOPPELING_SCHEDULER: 'off',
    USER: 'tester',
    ...(store.schema ? { DATABASE_URL: schemaUrl(store.schema) } : {}),
    ...extra,
  };
}

/** A connection string whose sessions work in one schema. */
export function schemaUrl(schema: string): string {
  const url = new URL(testDatabaseUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

/** Streams that collect what a command writes, for calling `main` directly. */
export function captureIo(env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const sink = (into: string[]) =>
    new Writable({
      write(chunk, _enc, cb) {
        into.push(String(chunk));
        cb();
      },
    });
  return { out, err, io: { stdout: sink(out), stderr: sink(err), env } };
}

/** Runs `koppeling <argv>` in this process and captures its output. */
export async function runCli(
  argv: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const t = captureIo(env);
  const { code } = await main(argv, t.io);
  return { code, stdout: t.out.join(''), stderr: t.err.join('') };
}
