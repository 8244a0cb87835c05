/**
 * Read + map throughput and peak memory of the file connectors:
 *   npm run bench:read -- [--csv-rows 1000000] [--sivi-employees 200000]
 * Generates the deliveries under .bench/ (once per size), then reads and maps each one in its own
 * child process so that peak RSS is that of one run alone. Prints records/s and peak RSS.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { csv } from '../../connectors/csv/index.js';
import { sivi } from '../../connectors/sivi/index.js';
import { loadMapping, mapRecord } from '../../src/sync/mapping/index.js';
import type { Connector } from '../../src/sync/types.js';
import { writeCsvDelivery, writeSiviDelivery } from '../helpers/deliveries.js';

const { values } = parseArgs({
  options: {
    'csv-rows': { type: 'string', default: '1000000' },
    'sivi-employees': { type: 'string', default: '200000' },
    child: { type: 'string' },
    file: { type: 'string' },
  },
});

interface Result {
  records: number;
  ok: number;
  seconds: number;
  cpuSeconds: number;
  maxRssMb: number;
}

async function child(kind: 'csv' | 'sivi', file: string): Promise<void> {
  const connector = (kind === 'csv' ? csv : sivi) as Connector<unknown>;
  const mapping = await loadMapping(
    kind === 'csv' ? 'mappings/csv-standard.yaml' : 'mappings/sivi-werknemersgegevens.yaml',
  );
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  let records = 0;
  let ok = 0;
  for await (const record of connector.read(connector.configSchema.parse({ file }))) {
    records++;
    if (mapRecord(mapping, record).ok) ok++;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  const result: Result = {
    records,
    ok,
    seconds,
    cpuSeconds: (used.user + used.system) / 1e6,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  };
  process.stdout.write(JSON.stringify(result) + '\n');
}

function run(kind: 'csv' | 'sivi', file: string): Result {
  const out = spawnSync(
    process.execPath,
    // The child runs as this process does: the compiled build, or the sources through tsx.
    [...process.execArgv, fileURLToPath(import.meta.url), '--child', kind, '--file', file],
    {
      encoding: 'utf8',
      maxBuffer: 1024 * 1024,
    },
  );
  if (out.status !== 0) throw new Error(`${kind} run failed: ${out.stderr}`);
  return JSON.parse(out.stdout.trim().split('\n').at(-1)!) as Result;
}

async function main(): Promise<void> {
  if (values.child) return child(values.child as 'csv' | 'sivi', values.file!);
  const rows = Number(values['csv-rows']);
  const employees = Number(values['sivi-employees']);
  await mkdir('.bench', { recursive: true });
  // About 2% of employees have a second employment, i.e. a second CSV row.
  const csvEmployees = Math.round(rows / 1.02);
  const csvFile = path.join('.bench', `read-${csvEmployees}.csv`);
  const siviFile = path.join('.bench', `read-${employees}.xml`);
  if (!existsSync(csvFile)) {
    process.stderr.write(`generating ${csvFile} ...\n`);
    await writeCsvDelivery(csvFile, csvEmployees, { encoding: 'windows-1252' });
  }
  if (!existsSync(siviFile)) {
    process.stderr.write(`generating ${siviFile} ...\n`);
    await writeSiviDelivery(siviFile, employees);
  }
  // Wall time depends on what else the machine runs; CPU time (all threads) is the steadier figure.
  const lines = [
    '| delivery | file size | records | wall s | records/s (wall) | CPU s | records per CPU s | peak RSS |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const [kind, file, label] of [
    ['csv', csvFile, `CSV csv-standard, Windows-1252, ${csvEmployees} employees`],
    ['sivi', siviFile, `SIVI WerknemersGegevens, ${employees} employees`],
  ] as const) {
    process.stderr.write(`reading + mapping ${file} ...\n`);
    const r = run(kind, file);
    if (r.ok !== r.records) throw new Error(`${file}: ${r.records - r.ok} records did not map`);
    const size = (await stat(file)).size / 1024 / 1024;
    lines.push(
      `| ${label} | ${size.toFixed(0)} MB | ${r.records} | ${r.seconds.toFixed(1)} | ${Math.round(r.records / r.seconds)} | ${r.cpuSeconds.toFixed(1)} | ${Math.round(r.records / r.cpuSeconds)} | ${r.maxRssMb.toFixed(0)} MB |`,
    );
  }
  process.stdout.write(lines.join('\n') + '\n');
  process.stdout.write(
    `(load average at the end: ${(await import('node:os'))
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')})\n`,
  );
}

await main();
