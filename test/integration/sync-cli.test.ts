import { existsSync, mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
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
import { findLink } from '../../src/store/links.js';

let store: TestStore;
let env: NodeJS.ProcessEnv;
let dir: string;

function linkFile(
  code: string,
  source: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): string {
  const file = join(dir, `${code}.yaml`);
  writeFileSync(
    file,
    stringify({
      employer: { code, name: `${code} BV` },
      connector: 'csv',
      source,
      mapping: 'mappings/csv-standard.yaml',
      delivery: 'complete',
      key: 'personnelNumber',
      guard: 0.1,
      ...extra,
    }),
  );
  return file;
}

/** An employer and its link as stored in the database the CLI stores into (with PGlite its own data folder). */
async function storedLink(code: string) {
  const runtime = await openRuntime(loadConfig(env));
  try {
    const employer = await findEmployerByCode(runtime.store.db, code);
    const link = employer && (await findLink(runtime.store.db, employer.id));
    return { employer, link };
  } finally {
    await runtime.close();
  }
}

beforeAll(async () => {
  store = await createTestStore();
  env = cliEnv(store);
  dir = mkdtempSync(join(tmpdir(), 'koppeling-sync-cli-'));
});
afterAll(() => store.close());

describe('koppeling sync', () => {
  it('When a CSV delivery is synced with --json, then one JSON object reports the run; a rerun changes nothing', async () => {
    const delivery = join(dir, 'bakker.csv');
    writeCsvDelivery(delivery, [
      csvRow('1', { BSN: '111222333' }),
      csvRow('2', { Afdelingscode: 'WINKEL', Afdelingsnaam: 'Winkel' }),
      csvRow('3', { 'Datum in dienst': '31-02-2020' }),
      csvRow('4', { 'Dienstverband-id': 'DV-4', 'Datum in dienst': '01-01-2021' }),
      csvRow('4', { 'Dienstverband-id': 'DV-4B', 'Uren per week': '8' }),
    ]);
    const config = linkFile('bakker', { file: delivery });
    const first = await runCli(['sync', '--config', config, '--json'], env);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const report = JSON.parse(first.stdout);
    expect(Object.keys(report).sort()).toEqual(
      [
        'runId',
        'status',
        'delivery',
        'created',
        'updated',
        'unchanged',
        'ended',
        'rejected',
        'departments',
        'rejects',
      ].sort(),
    );
    expect(report).toMatchObject({ status: 'completed', delivery: 'complete', created: 3, rejected: 1 });
    expect(report.departments).toEqual({ created: 2, updated: 0, archived: 0, reactivated: 0 });
    expect(report.rejects[0].position).toMatch(/bakker\.csv:4/);
    const again = JSON.parse((await runCli(['sync', '--config', config, '--json'], env)).stdout);
    expect(again).toMatchObject({ created: 0, updated: 0, unchanged: 3, ended: 0 });

    const runs = await runCli(['runs', '--employer', 'bakker', '--json'], env);
    expect(JSON.parse(runs.stdout)).toMatchObject({ olderRuns: false });
    expect(JSON.parse(runs.stdout).runs).toHaveLength(2);
    const newest = await runCli(['runs', '--employer', 'bakker', '--limit', '1'], env);
    expect(newest.stdout.trim().split('\n')).toEqual([
      expect.stringContaining(again.runId),
      'The 1 newest runs; older ones exist (--limit N shows up to 1000).',
    ]);
    expect((await runCli(['runs', '--employer', 'bakker', '--limit', '1001'], env)).code).toBe(2);
    const unknown = await runCli(['runs', 'show', '00000000-0000-4000-8000-000000000000', '--json'], env);
    expect(unknown.code).toBe(1);
    expect(JSON.parse(unknown.stdout)).toEqual({
      error: 'No sync run 00000000-0000-4000-8000-000000000000.',
    });
    // Hyphens in the wrong places are no run id: a usage error, not a failure of the store.
    expect((await runCli(['runs', 'show', '0000000000000000000000000000000000-0'], env)).code).toBe(2);
    const shown = await runCli(['runs', 'show', report.runId], env);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('3 created');
    expect(shown.stdout).toContain('bakker.csv:4');

    const exported = JSON.parse((await runCli(['export', '--employer', 'bakker', '--json'], env)).stdout);
    expect(exported.employees).toHaveLength(3);
    const four = exported.employees.find((e: { personnelNumber: string }) => e.personnelNumber === '4');
    expect(four.employments.map((m: { externalId: string }) => m.externalId).sort()).toEqual([
      'DV-4',
      'DV-4B',
    ]);
    expect(four).toMatchObject({
      prefix: 'van',
      lastName: 'Dijk 4',
      gender: 'V',
      birthDate: '1980-05-17',
      inService: true,
    });
    expect(
      exported.employees.find((e: { personnelNumber: string }) => e.personnelNumber === '1').employments[0],
    ).toMatchObject({
      externalId: 'DV-1',
      departmentCode: 'KEUKEN',
      contractType: 'O',
      hoursPerWeek: 32,
      versions: [{ validFrom: '2020-01-01', validTo: null, departmentCode: 'KEUKEN', hoursPerWeek: 32 }],
    });
    expect(JSON.stringify(exported)).not.toContain('111222333');
    expect(JSON.stringify(exported)).not.toContain('Utrecht');
  });

  it('When a complete delivery trips the guard, then exit 3 and nothing changes; --dry-run shows it; --force applies', async () => {
    const delivery = join(dir, 'guard.csv');
    writeCsvDelivery(
      delivery,
      Array.from({ length: 10 }, (_, i) => csvRow(String(i + 1))),
    );
    const config = linkFile('guard', { file: delivery });
    expect((await runCli(['sync', '--config', config, '--json'], env)).code).toBe(0);
    writeCsvDelivery(delivery, [csvRow('1'), csvRow('2')]);
    const dry = await runCli(['sync', '--config', config, '--json', '--dry-run', '--force'], env);
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ ended: 8, dryRun: true });
    const tripped = await runCli(['sync', '--config', config], env);
    expect(tripped.code).toBe(3);
    expect(tripped.stdout).toContain('8 of 10 current employees');
    const forced = await runCli(['sync', '--config', config, '--json', '--force'], env);
    expect(forced.code).toBe(0);
    expect(JSON.parse(forced.stdout).ended).toBe(8);
    const runs = JSON.parse((await runCli(['runs', '--employer', 'guard', '--json'], env)).stdout).runs;
    expect(runs[0]).toMatchObject({ status: 'completed', forcedBy: 'cli:tester' });
    expect(runs[1]).toMatchObject({ status: 'guard_tripped' });
  });

  it('When a link file is tried with --dry-run, then neither it nor its schedule is stored', async () => {
    const delivery = join(dir, 'proef.csv');
    writeCsvDelivery(delivery, [csvRow('1')]);
    const stored = linkFile('proef', { file: delivery }, { schedule: '0 2 * * *' });
    expect((await runCli(['sync', '--config', stored, '--json'], env)).code).toBe(0);
    const edited = linkFile('proef', { file: delivery }, { schedule: '0 5 * * *', guard: 0.5 });
    const dry = await runCli(['sync', '--config', edited, '--json', '--dry-run'], env);
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, unchanged: 1 });
    expect((await storedLink('proef')).link).toMatchObject({ schedule: '0 2 * * *', guard: 0.1 });
    // An employer not stored yet is recorded without a link: nothing is scheduled for it.
    const fresh = linkFile('proef-nieuw', { file: delivery }, { schedule: '0 5 * * *' });
    expect((await runCli(['sync', '--config', fresh, '--json', '--dry-run'], env)).code).toBe(0);
    const added = await storedLink('proef-nieuw');
    expect(added.employer).toMatchObject({ code: 'proef-nieuw' });
    expect(added.link).toBeUndefined();
  });

  it('When the link reads a drop folder, then the oldest settled file is synced and moved to processed/', async () => {
    const folder = join(dir, 'drop');
    mkdirSync(folder);
    writeCsvDelivery(join(folder, 'a.csv'), [csvRow('1')]);
    const settledAt = new Date(Date.now() - 120_000);
    utimesSync(join(folder, 'a.csv'), settledAt, settledAt);
    // Still being written (changed just now): left for a later run, not moved away from its writer.
    writeCsvDelivery(join(folder, 'b.csv'), [csvRow('2')]);
    const config = linkFile('drop', { folder }, { delivery: 'mutations' });
    const res = await runCli(['sync', '--config', config, '--json'], env);
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ status: 'completed', created: 1 });
    expect(existsSync(join(folder, 'processed', 'a.csv'))).toBe(true);
    expect(existsSync(join(folder, 'b.csv'))).toBe(true);
    const none = await runCli(['sync', '--config', config, '--json'], env);
    expect(JSON.parse(none.stdout)).toMatchObject({
      status: 'no_delivery',
      message: expect.stringContaining('a file is taken once it has not changed for 60 seconds'),
    });
    const now = linkFile('drop', { folder, settleSeconds: 0 }, { delivery: 'mutations' });
    expect(JSON.parse((await runCli(['sync', '--config', now, '--json'], env)).stdout)).toMatchObject({
      status: 'completed',
      created: 1,
    });
    expect(existsSync(join(folder, 'processed', 'b.csv'))).toBe(true);
  });

  it('When arguments are wrong or the link file is invalid, then exit 2 or 1 with a message naming the problem', async () => {
    expect((await runCli(['sync'], env)).code).toBe(2);
    const bad = join(dir, 'bad.yaml');
    writeFileSync(
      bad,
      'employer:\n  code: bad\n  name: Bad\nconnector: csv\nsource: {}\nmapping: x\ndelivery: sometimes\n',
    );
    const res = await runCli(['sync', '--config', bad], env);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/line 7, delivery/);
    // A --file that is not there: a usage mistake, said before any run is recorded.
    const good = linkFile('nofile', { file: join(dir, 'elsewhere.csv') });
    const missing = await runCli(['sync', '--config', good, '--file', join(dir, 'typo.csv'), '--json'], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`--file ${join(dir, 'typo.csv')}: no such file`);
    expect((await storedLink('nofile')).employer).toBeUndefined();
    expect((await runCli(['sync', '--config', good, '--file', dir], env)).stderr).toContain(': not a file');
  });

  it('When a link file is not valid YAML on a line holding a payroll tax number, then the message names the file and line but not the number', async () => {
    // A sole trader's payroll tax number is their BSN followed by L01.
    const broken = join(dir, 'zzp.yaml');
    writeFileSync(
      broken,
      'employer:\n  code: zzp\n  name: Jansen Advies\n payrollTaxNumber: 123456782L01\nconnector: csv\n',
    );
    const res = await runCli(['sync', '--config', broken], env);
    expect(res.code).toBe(1);
    expect(res.stderr).not.toContain('123456782');
    expect(res.stderr).toContain(`${broken}:4: not valid YAML`);

    const json = await runCli(['sync', '--config', broken, '--json'], env);
    expect(json.code).toBe(1);
    expect(json.stdout + json.stderr).not.toContain('123456782');
    expect(JSON.parse(json.stdout)).toEqual({
      runId: null,
      status: 'failed',
      message: expect.stringContaining(`${broken}:4: not valid YAML`),
    });
  });

  it('When a link file names a mapping that cannot be used, then it is refused and the stored link stays as it was', async () => {
    const delivery = join(dir, 'kept.csv');
    writeCsvDelivery(delivery, [csvRow('1')]);
    const good = linkFile('kept', { file: delivery });
    expect((await runCli(['sync', '--config', good, '--json'], env)).code).toBe(0);
    const stored = () => storedLink('kept').then((s) => s.link);
    const before = await stored();

    const typo = linkFile(
      'kept',
      { file: delivery },
      { mapping: 'mappings/csv-standrd.yaml', schedule: '0 3 * * *' },
    );
    const res = await runCli(['sync', '--config', typo], env);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`${typo}: mapping: mappings/csv-standrd.yaml: mapping file not found`);
    expect(await stored()).toEqual(before);

    const other = linkFile('kept', { file: delivery }, { mapping: 'mappings/sivi-dienstverbanden.yaml' });
    const wrong = await runCli(['sync', '--config', other], env);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('the mapping is written for the sivi connector; the link uses csv');
    expect(await stored()).toEqual(before);
  });

  it('When a source setting is mistyped, then the message names the link file, the line and the setting', async () => {
    const config = linkFile('typo', { file: join(dir, 'typo.csv'), delimitor: ';' });
    const res = await runCli(['sync', '--config', config], env);
    expect(res.code).toBe(1);
    expect(res.stderr).toBe(`koppeling sync: ${config}: line 7, source.delimitor: unknown setting\n`);
  });

  it('When a sync with --json fails before a run exists, then one JSON object says why; usage errors stay exit 2', async () => {
    const config = linkFile('json-fail', { file: join(dir, 'none.csv') }, { mapping: 'mappings/gone.yaml' });
    const res = await runCli(['sync', '--config', config, '--json'], env);
    expect(res.code).toBe(1);
    expect(JSON.parse(res.stdout)).toEqual({
      runId: null,
      status: 'failed',
      message: expect.stringContaining(`${config}: mapping: mappings/gone.yaml: mapping file not found`),
    });
    const missing = await runCli(['sync', '--config', join(dir, 'missing.yaml'), '--json'], env);
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stdout)).toMatchObject({ runId: null, status: 'failed' });
    const usage = await runCli(['sync', '--json'], env);
    expect(usage.code).toBe(2);
    expect(usage.stdout).toBe('');
  });
});
