import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type { Knex } from 'knex';
import { from as copyFrom } from 'pg-copy-streams';
import type { StoreKind } from '../store/db.js';
import { stoppingSignal } from '../shutdown.js';

export type Trx = Knex.Transaction;
export type Row = Record<string, unknown>;

/**
 * A process stopping on SIGINT or SIGTERM starts no further statement of a run: the run fails at
 * once, its transaction is rolled back and the run is recorded, instead of going on to the end.
 */
function unlessStopping(): void {
  const signal = stoppingSignal();
  if (signal) throw new Error(`stopped by ${signal}`);
}

/** Runs one statement and returns how many rows it wrote (or returned). */
export async function exec(trx: Trx, sql: string, bindings: readonly unknown[] = []): Promise<number> {
  unlessStopping();
  const res = (await trx.raw(sql, bindings as Knex.RawBinding[])) as { rowCount?: number | null };
  return res.rowCount ?? 0;
}

/** Rows of one query. */
export async function rows<T = Row>(trx: Trx, sql: string, bindings: readonly unknown[] = []): Promise<T[]> {
  unlessStopping();
  const res = (await trx.raw(sql, bindings as Knex.RawBinding[])) as { rows: T[] };
  return res.rows;
}

/** One numeric value of a query (`select count(*) as n ...`). */
export async function count(trx: Trx, sql: string, bindings: readonly unknown[] = []): Promise<number> {
  const [row] = await rows<{ n: number | string | null }>(trx, sql, bindings);
  return Number(row?.n ?? 0);
}

/**
 * The positions of a group of records (`position`, `rec`), in delivery order: the first five, and how
 * many more. A key that every record of a large delivery shares (a mapping that reads the wrong
 * column) would otherwise give each record a reason as long as the delivery.
 */
export const positionList = `array_to_string((array_agg(position order by rec))[1:5], ', ') ||
  case when count(*) > 5 then ' and ' || (count(*) - 5) || ' more' else '' end`;

const needsEscape = /[\\\n\r\t]/;

function copyText(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  if (typeof value === 'boolean') return value ? 't' : 'f';
  const s = typeof value === 'string' ? value : String(value);
  if (!needsEscape.test(s)) return s;
  return s.replace(/[\\\n\r\t]/g, (c) =>
    c === '\\' ? '\\\\' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\t',
  );
}

/** The rows as COPY text format, in chunks of about 64 kB. */
function* copyChunks(data: ReadonlyArray<readonly unknown[]>): Generator<string> {
  let chunk = '';
  for (const row of data) {
    let line = copyText(row[0]);
    for (let i = 1; i < row.length; i++) line += '\t' + copyText(row[i]);
    chunk += line + '\n';
    if (chunk.length > 65_536) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

/**
 * Bulk-loads rows into a (temporary) table of the transaction with COPY: streamed from stdin on
 * PostgreSQL, from a blob on PGlite (its COPY reads `/dev/blob`). Same text, same table.
 */
export async function bulkLoad(
  trx: Trx,
  kind: StoreKind,
  table: string,
  columns: readonly string[],
  data: ReadonlyArray<readonly unknown[]>,
): Promise<void> {
  if (data.length === 0) return;
  unlessStopping();
  // Inside a transaction knex hands out the transaction's own connection (PGlite has only one).
  const conn = await (trx.client as { acquireConnection(): Promise<unknown> }).acquireConnection();
  const target = `${table} (${columns.join(', ')})`;
  if (kind === 'postgres') {
    const stream = (conn as { query<T>(q: T): T }).query(copyFrom(`copy ${target} from stdin`));
    await pipeline(Readable.from(copyChunks(data)), stream);
    return;
  }
  await (conn as { query(sql: string, params: unknown[], options: { blob: Blob }): Promise<unknown> }).query(
    `copy ${target} from '/dev/blob'`,
    [],
    { blob: new Blob([...copyChunks(data)]) },
  );
}
