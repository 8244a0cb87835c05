import { copyFileSync, mkdirSync, mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createTestStore, type TestStore } from '../helpers/store.js';
import { cliEnv, runCli } from '../helpers/cli.js';
import { csvRow, writeCsvDelivery } from '../helpers/csv-delivery.js';
import { loadConfig } from '../../src/config.js';
import { openRuntime } from '../../src/runtime.js';
import { findEmployerByCode } from '../../src/store/employers.js';
import { findLink, listLinks } from '../../src/store/links.js';

/** Stored links that can no longer run: found by `links check`, and never in the way of the others. */

let store: TestStore;
let env: NodeJS.ProcessEnv;
let dir: string;

/** Writes a link file for a CSV drop folder with its own copy of the standard mapping, and stores it. */
async function storeLink(code: string): Promise<{ folder: string; mapping: string }> {
  const folder = join(dir, code, 'drop');
  mkdirSync(folder, { recursive: true });
  const mapping = join(dir, code, 'mapping.yaml');
  copyFileSync('mappings/csv-standard.yaml', mapping);
  const file = join(dir, code, 'link.yaml');
  writeFileSync(
    file,
    stringify({
      employer: { code, name: `${code} BV` },
      connector: 'csv',
      source: { folder, settleSeconds: 0 },
      mapping,
      delivery: 'complete',
      schedule: '30 2 * * *',
    }),
  );
  const delivery = join(folder, 'werknemers.csv');
  writeCsvDelivery(delivery, [csvRow('1')]);
  expect((await runCli(['sync', '--config', file, '--json'], env)).code).toBe(0);
  return { folder, mapping };
}

/** Runs `fn` on the store the CLI uses (with PGlite its own data folder). */
async function onCliStore<T>(fn: (db: TestStore['db']) => Promise<T>): Promise<T> {
  const runtime = await openRuntime(loadConfig(env));
  try {
    return await fn(runtime.store.db);
  } finally {
    await runtime.close();
  }
}

beforeAll(async () => {
  store = await createTestStore();
  env = cliEnv(store);
  dir = mkdtempSync(join(tmpdir(), 'koppeling-links-'));
});
afterAll(() => store.close());

describe('koppeling links check', () => {
  it('When stored links break after they were stored, then links check names each one with what to fix and exits 1', async () => {
    await storeLink('alpha');
    const beta = await storeLink('beta');
    const gamma = await storeLink('gamma');
    await storeLink('delta');
    // beta's mapping file is edited into one that no longer loads; gamma's drop folder moved away.
    writeFileSync(
      beta.mapping,
      'version: 1\nname: x\nemployee:\n  - { target: lastName, sourse: Achternaam }\n',
    );
    renameSync(gamma.folder, `${gamma.folder}-old`);
    // delta's stored document no longer fits the link schema (as one stored by another version may not).
    await onCliStore(async (db) => {
      const employer = await findEmployerByCode(db, 'delta');
      await db('employer_links')
        .where({ employer_id: employer!.id })
        .update({
          document: JSON.stringify({ employer: { code: 'delta', name: 'delta BV' }, connector: 'csv' }),
        });
    });

    const text = await runCli(['links', 'check'], env);
    expect(text.code).toBe(1);
    const lines = text.stdout.trim().split('\n');
    const of = (code: string) => lines.find((l) => l.startsWith(`${code} `));
    expect(of('alpha')).toMatch(
      /^alpha {2}ok {4}Drop folder .*alpha\/drop is readable; 0 file\(s\) waiting\.$/,
    );
    expect(of('beta')).toBe('beta   FAIL  the link of beta: mapping: Mapping file is not valid:');
    // The mapping's problems follow, one per line, under the first.
    expect(text.stdout).toMatch(/\n {13}\S*beta\/mapping\.yaml:4: employee\[0\]: unknown key "sourse"/);
    expect(of('delta')).toMatch(
      /^delta {2}FAIL {2}the stored link does not fit this version of Koppeling \(source: /,
    );
    expect(of('gamma')).toMatch(
      /^gamma {2}FAIL {2}The drop folder .*gamma\/drop does not exist: check the path/,
    );
    expect(lines.map((l) => l.split(' ')[0]).filter(Boolean)).toEqual([
      'alpha',
      'beta',
      'delta',
      'gamma',
      '4',
    ]);
    expect(lines.at(-1)).toBe('4 link(s), 3 cannot run.');

    const json = await runCli(['links', 'check', '--json', '--employer', 'alpha'], env);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({
      links: [{ employer: 'alpha', ok: true, message: expect.stringContaining('is readable') }],
      failing: 0,
    });
    const unknown = await runCli(['links', 'check', '--employer', 'nobody'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No stored link for employer "nobody".');

    // The scheduler's list reads every other link; running delta says what is wrong with it.
    await onCliStore(async (db) => {
      const links = await listLinks(db, { scheduled: true });
      expect(links.map((l) => [l.code, l.link !== undefined])).toEqual([
        ['alpha', true],
        ['beta', true],
        ['delta', false],
        ['gamma', true],
      ]);
      const delta = await findEmployerByCode(db, 'delta');
      await expect(findLink(db, delta!.id)).rejects.toThrow(/^Employer delta: the stored link does not fit/);
    });
  });
});
