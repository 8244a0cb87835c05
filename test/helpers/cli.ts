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

/** Runs `koppeling <argv>` in this process and captures its output. */
export async function runCli(
  argv: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const sink = (append: (s: string) => void) =>
    new Writable({
      write(chunk, _enc, cb) {
        append(String(chunk));
        cb();
      },
    });
  const { code } = await main(argv, {
    stdout: sink((s) => (stdout += s)),
    stderr: sink((s) => (stderr += s)),
    env,
  });
  return { code, stdout, stderr };
}
