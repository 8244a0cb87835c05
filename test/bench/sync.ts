/**
 * `npm run bench:sync`: generates a realistic delivery and compares, on one store, (a) raw COPY of
 * the CSV (the ceiling), (b) a naive knex batch upsert (the typical implementation), (c) a Koppeling
 * complete delivery, (d) the same delivery again, (e) the delivery with 1% changed and 1% missing,
 * and (f) the floor of (c): the rows (c) stored, copied straight back into the store's tables.
 *
 * Size: BENCH_EMPLOYEES=1000000 (or --employees 1000000); default 20000.
 * `--sivi 200000` instead runs one complete SIVI WerknemersGegevens delivery of that many employees
 * through the engine (time, rows written, peak RSS).
 * Store: DATABASE_URL=postgres://... (a schema `bench_sync` is created and dropped), or else PGlite in
 * a data folder `.bench/pglite` (removed afterwards).
 */
import { createReadStream, createWriteStream, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { parse } from 'csv-parse';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import pg from 'pg';
import { openStore, type Store } from '../../src/store/db.js';
import { migrateLatest } from '../../src/store/migrate.js';
import { configureLogger } from '../../src/log.js';
import { loadConfig } from '../../src/config.js';
import { limitHeapGrowth } from '../../src/heap.js';
import { keyIdOf } from '../../src/vault/crypto.js';
import { Vault } from '../../src/vault/vault.js';
import { saveLink } from '../../src/store/links.js';
import { linkSchema } from '../../src/sync/link.js';
import { syncDelivery } from '../../src/sync/delivery.js';
import { csvHeader } from '../helpers/csv-delivery.js';
import { writeSiviDelivery } from '../helpers/deliveries.js';
import { writeDelivery } from './generate.js';

const { values } = parseArgs({ options: { employees: { type: 'string' }, sivi: { type: 'string' } } });
const employees = Number(values.employees ?? process.env.BENCH_EMPLOYEES ?? 20_000);
const databaseUrl = process.env.DATABASE_URL;
const schema = 'bench_sync';
const dir = join(process.cwd(), '.bench');
const pgliteDir = join(dir, 'pglite');
mkdirSync(dir, { recursive: true });
configureLogger({ level: 'warn', format: 'json', production: false });
// As `koppeling sync` and `serve` do when they open the runtime (KOPPELING_HEAP_GROWTH_PERCENT).
limitHeapGrowth(loadConfig().heapGrowthPercent);

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 50);

interface Line {
  name: string;
  seconds: number;
  rows: number;
  written: number;
  rssMb: number;
}
const lines: Line[] = [];

let benchStore: Store | undefined;

async function measure(name: string, rows: number, fn: () => Promise<number>): Promise<void> {
  // Each step starts after a checkpoint (needs a superuser), so no step pays for flushing what the
  // one before wrote.
  if (benchStore?.kind === 'postgres') await benchStore.db.raw('checkpoint').catch(() => undefined);
  peakRss = process.memoryUsage.rss();
  const started = performance.now();
  const written = await fn();
  const seconds = (performance.now() - started) / 1000;
  lines.push({ name, seconds, rows, written, rssMb: Math.max(peakRss, process.memoryUsage.rss()) / 2 ** 20 });
  process.stderr.write(`${name}: ${seconds.toFixed(2)} s\n`);
}

function schemaUrl(url: string): string {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
}

async function openBenchStore(): Promise<Store> {
  if (!databaseUrl) {
    // In a data folder, as `koppeling` runs the embedded store (in memory PGlite copies its files
    // as they grow, which makes large loads several times slower than on disk).
    rmSync(pgliteDir, { recursive: true, force: true });
    return openStore({ dataDir: pgliteDir });
  }
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  await admin.query(`drop schema if exists ${schema} cascade; create schema ${schema}`);
  await admin.end();
  benchStore = openStore({ databaseUrl: schemaUrl(databaseUrl), schema, poolMax: 4 });
  return benchStore;
}

const plainColumns = csvHeader.map((_, i) => `c${i}`);

/** (a) The ceiling: the file straight into a plain text table. */
async function rawCopy(store: Store, file: string): Promise<number> {
  await store.db.raw(`create table raw_copy (${plainColumns.map((c) => `${c} text`).join(', ')})`);
  const sql = `copy raw_copy from stdin with (format csv, delimiter ';', header true)`;
  if (store.kind === 'postgres') {
    const client = new pg.Client({ connectionString: schemaUrl(databaseUrl!) });
    await client.connect();
    await pipeline(createReadStream(file), client.query(copyFrom(sql)));
    await client.end();
  } else {
    // PGlite reads COPY input from a blob.
    const client = store.db.client as {
      acquireConnection(): Promise<unknown>;
      releaseConnection(c: unknown): Promise<void>;
    };
    const pglite = (await client.acquireConnection()) as {
      query(sql: string, params: unknown[], options: { blob: Blob }): Promise<unknown>;
    };
    try {
      await pglite.query(sql.replace('stdin', `'/dev/blob'`), [], { blob: new Blob([readFileSync(file)]) });
    } finally {
      await client.releaseConnection(pglite);
    }
  }
  const [{ n }] = (await store.db('raw_copy').count({ n: '*' })) as [{ n: number }];
  return Number(n);
}

/** (b) What most imports do: parse rows and upsert them in batches of 1000 through knex. */
async function naiveUpsert(store: Store, file: string): Promise<number> {
  await store.db.raw(
    `create table naive (${plainColumns.map((c, i) => `${c} text${i === 16 ? ' primary key' : ''}`).join(', ')})`,
  );
  let batch: Record<string, string>[] = [];
  let written = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    await store.db('naive').insert(batch).onConflict('c16').merge();
    written += batch.length;
    batch = [];
  };
  const parser = createReadStream(file).pipe(
    parse({ delimiter: ';', from_line: 2, relax_column_count: true }),
  );
  for await (const record of parser as AsyncIterable<string[]>) {
    batch.push(Object.fromEntries(plainColumns.map((c, i) => [c, record[i] ?? ''])));
    if (batch.length >= 1000) await flush();
  }
  await flush();
  return written;
}

/** The tables a complete delivery fills, in the order their foreign keys allow loading them. */
const deliveryTables = ['employees', 'employee_vault', 'employments', 'employment_versions'] as const;

/**
 * (f) The floor of (c) on this schema: the rows (c) stored (copied out beforehand, not timed) copied
 * back in one transaction, with the tables' indexes, foreign keys and triggers in place, before any
 * reading, validating, planning or encrypting. Leaves the store as (c) left it.
 */
async function floorCopy(store: Store): Promise<() => Promise<number>> {
  // Nothing else of the benchmark's store refers to these tables: the cascade empties nothing more.
  const truncate = `truncate ${deliveryTables.join(', ')} cascade`;
  if (store.kind === 'postgres') {
    const client = new pg.Client({ connectionString: schemaUrl(databaseUrl!) });
    await client.connect();
    const file = (t: string) => join(dir, `floor-${t}.copy`);
    for (const t of deliveryTables)
      await pipeline(client.query(copyTo(`copy ${t} to stdout`)), createWriteStream(file(t)));
    await client.query(truncate);
    return async () => {
      let written = 0;
      await client.query('begin');
      for (const t of deliveryTables) {
        const copy = client.query(copyFrom(`copy ${t} from stdin`));
        await pipeline(createReadStream(file(t)), copy);
        written += Number(copy.rowCount);
        rmSync(file(t));
      }
      await client.query('commit');
      await client.end();
      return written;
    };
  }
  const client = store.db.client as {
    acquireConnection(): Promise<unknown>;
    releaseConnection(c: unknown): Promise<void>;
  };
  const pglite = (await client.acquireConnection()) as {
    query(
      sql: string,
      params?: unknown[],
      options?: { blob: Blob },
    ): Promise<{ blob?: Blob; affectedRows?: number }>;
  };
  const blobs = new Map<string, Blob>();
  for (const t of deliveryTables) blobs.set(t, (await pglite.query(`copy ${t} to '/dev/blob'`)).blob!);
  await pglite.query(truncate);
  return async () => {
    let written = 0;
    try {
      await pglite.query('begin');
      for (const t of deliveryTables) {
        const r = await pglite.query(`copy ${t} from '/dev/blob'`, [], { blob: blobs.get(t)! });
        written += r.affectedRows ?? 0;
      }
      await pglite.query('commit');
    } finally {
      await client.releaseConnection(pglite);
    }
    return written;
  };
}

function step(prefix: string): Line {
  return lines.find((l) => l.name.startsWith(prefix))!;
}

/** The measured lines (in the order of their names); ratios to (a) and (b) only when those were measured (`compare`). */
function table(title: string, compare: boolean): string {
  const a = compare ? step('(a)') : undefined;
  const b = compare ? step('(b)') : undefined;
  const rate = (l: Line) => l.rows / l.seconds;
  const ratio = (l: Line, base: Line | undefined) => (base ? (rate(l) / rate(base)).toFixed(2) : '-');
  return [
    title,
    '',
    `${'step'.padEnd(34)} ${'seconds'.padStart(8)} ${'rows/s'.padStart(10)} ${'x (a)'.padStart(7)} ${'x (b)'.padStart(7)} ${'rows written'.padStart(13)} ${'peak RSS MB'.padStart(12)}`,
    ...[...lines]
      .sort((x, y) => x.name.localeCompare(y.name))
      .map(
        (l) =>
          `${l.name.padEnd(34)} ${l.seconds.toFixed(2).padStart(8)} ${Math.round(rate(l)).toLocaleString('en').padStart(10)} ` +
          `${ratio(l, a).padStart(7)} ${ratio(l, b).padStart(7)} ` +
          `${l.written.toLocaleString('en').padStart(13)} ${l.rssMb.toFixed(0).padStart(12)}`,
      ),
  ].join('\n');
}

/**
 * A migrated benchmark store with one employer linked by `link` (connector, source, mapping);
 * `sync(file)` runs a complete delivery through connector, mapping and engine and answers the rows
 * written, failing on anything but a completed run without rejects.
 */
async function linkedStore(link: Record<string, unknown>) {
  const store = await openBenchStore();
  await migrateLatest(store.db);
  const master = randomBytes(32);
  const vault = new Vault(store.db, { master, masterId: keyIdOf(master), index: randomBytes(32) });
  const parsed = linkSchema.parse({
    employer: { code: 'bench', name: 'Benchmark BV' },
    delivery: 'complete',
    ...link,
  });
  const employer = await saveLink(store.db, parsed, 'file');
  const sync = async (file: string) => {
    const r = await syncDelivery({
      store,
      vault,
      employerId: employer.id,
      link: parsed,
      file,
      trigger: 'cli',
      deliveryDate: '2026-11-28',
    });
    if (!r || r.status !== 'completed') throw new Error(`sync ${r?.status}: ${r?.message}`);
    if (r.counts.rejected > 0)
      throw new Error(`${r.counts.rejected} rejected: ${JSON.stringify(r.rejects.slice(0, 3))}`);
    return r.counts.rowsWritten;
  };
  return { store, sync };
}

/** One complete SIVI WerknemersGegevens delivery through connector, mapping and engine. */
async function siviDelivery(count: number): Promise<void> {
  const file = join(dir, `sivi-${count}.xml`);
  await writeSiviDelivery(file, count);
  const { store, sync } = await linkedStore({
    connector: 'sivi',
    source: { file, message: 'WerknemersGegevens' },
    mapping: 'mappings/sivi-werknemersgegevens.yaml',
  });
  await measure('(s) SIVI complete delivery', count, () => sync(file));
  if (store.kind === 'postgres') await store.db.raw(`drop schema ${schema} cascade`);
  await store.close();
  clearInterval(sampler);
  rmSync(file);
  rmSync(pgliteDir, { recursive: true, force: true });
  process.stdout.write(
    table(
      `Koppeling sync benchmark: SIVI WerknemersGegevens, ${count.toLocaleString('en')} employees, store ${store.kind}, node ${process.version}`,
      false,
    ) + '\n',
  );
}

async function main(): Promise<void> {
  if (values.sivi) return siviDelivery(Number(values.sivi));
  const full = join(dir, `delivery-${employees}.csv`);
  const variant = join(dir, `delivery-${employees}-e.csv`);
  const rows = await writeDelivery(full, employees);
  const variantRows = await writeDelivery(variant, employees, { changed: 0.01, missing: 0.01 });
  const { store, sync } = await linkedStore({
    connector: 'csv',
    source: { file: full, delimiter: ';', encoding: 'utf-8' },
    mapping: 'mappings/csv-standard.yaml',
  });
  await measure('(a) raw COPY into a plain table', rows, () => rawCopy(store, full));
  await measure('(b) naive knex batch upsert', rows, () => naiveUpsert(store, full));
  await measure('(c) Koppeling complete delivery', rows, () => sync(full));
  const floor = await floorCopy(store);
  await measure("(f) floor: (c)'s rows copied in", rows, floor);
  await measure('(d) same delivery again', rows, () => sync(full));
  await measure('(e) 1% changed, 1% missing', variantRows, () => sync(variant));
  await store.db.raw('drop table raw_copy');
  await store.db.raw('drop table naive');
  if (store.kind === 'postgres') await store.db.raw(`drop schema ${schema} cascade`);
  await store.close();
  clearInterval(sampler);
  rmSync(full);
  rmSync(variant);
  rmSync(pgliteDir, { recursive: true, force: true });

  const out = [
    table(
      `Koppeling sync benchmark: ${employees.toLocaleString('en')} employees (${rows.toLocaleString('en')} CSV rows), store ${store.kind}, node ${process.version}`,
      true,
    ),
    '',
    `(d) / (c) time: ${(step('(d)').seconds / step('(c)').seconds).toFixed(2)}`,
    `(c) / (f) time: ${(step('(c)').seconds / step('(f)').seconds).toFixed(2)}`,
  ];
  process.stdout.write(out.join('\n') + '\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`benchmark failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
