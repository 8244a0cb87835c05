import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type * as PGliteModule from '@electric-sql/pglite';
import knexFactory, { type Knex } from 'knex';
import pg from 'pg';
import { onShutdown } from '../shutdown.js';
import { lockDataDir, type DataDirLock } from './lock.js';
import { migrationSource } from './migrations/index.js';

export type Db = Knex;
export type StoreKind = 'pglite' | 'postgres';

export interface StoreOptions {
  /** PostgreSQL connection string; without it the embedded PGlite store is used. */
  databaseUrl?: string;
  /** Folder of the embedded store; omitted means in memory (tests). */
  dataDir?: string;
  /** PostgreSQL schema to work in (tests isolate each suite in its own schema). */
  schema?: string;
  poolMax?: number;
  /** An embedded database image (from `dumpDataDir`) to start from instead of an empty database. */
  pgliteImage?: Blob;
}

export interface Store {
  db: Db;
  kind: StoreKind;
  /** Where the data lives, for the start-up line (never includes credentials). */
  location: string;
  close(): Promise<void>;
  /** The embedded database itself (PGlite only), for bulk paths that use its own API. */
  pglite?: PGliteModule.PGlite;
}

// Dates stay calendar dates ('YYYY-MM-DD'), counts and decimals become numbers: the same in both engines.
const DATE = 1082;
const INT8 = 20;
const NUMERIC = 1700;
pg.types.setTypeParser(DATE, (v: string) => v);
pg.types.setTypeParser(INT8, (v: string) => Number(v));
pg.types.setTypeParser(NUMERIC, (v: string) => Number(v));
const TIMESTAMPTZ = 1184;
const pgliteParsers = {
  [DATE]: (v: string) => v,
  [INT8]: (v: string) => Number(v),
  [NUMERIC]: (v: string) => Number(v),
  [TIMESTAMPTZ]: (v: string) => new Date(v),
};

const require = createRequire(import.meta.url);

/**
 * The embedded engine, loaded only when a store uses it: an instance on PostgreSQL never loads
 * PGlite. Loaded as the same (CommonJS) module that `knex-pglite` loads, so the process holds one
 * copy of PGlite, not an ES module copy beside it.
 */
function embeddedEngine(): {
  PGlite: typeof PGliteModule.PGlite;
  client: typeof Knex.Client;
} {
  const { PGlite: engine } = require('@electric-sql/pglite') as typeof PGliteModule;
  const base = require('knex-pglite') as typeof Knex.Client;
  // PGlite runs a statement without giving the event loop a turn, so a run of statements would
  // keep a signal (Ctrl-C) from being handled until the last one; each waits for one turn first.
  class client extends base {
    override query(connection: unknown, obj: unknown): Promise<unknown> {
      return nextTurn().then(() => super.query(connection, obj) as Promise<unknown>);
    }
  }
  return { PGlite: engine, client };
}

function safeLocation(url: string): string {
  try {
    const u = new URL(url);
    return `postgres://${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return 'postgres';
  }
}

/** Opens the store: embedded PGlite (a data folder, or memory) or PostgreSQL through `pg`. */
export function openStore(options: StoreOptions): Store {
  const common: Knex.Config = {
    migrations: { migrationSource, tableName: 'knex_migrations' },
    ...(options.schema ? { searchPath: [options.schema] } : {}),
  };
  if (options.databaseUrl) {
    const db = knexFactory({
      ...common,
      client: 'pg',
      connection: options.databaseUrl,
      pool: { min: 0, max: options.poolMax ?? 10 },
    });
    return {
      db,
      kind: 'postgres',
      location: safeLocation(options.databaseUrl) + (options.schema ? ` (schema ${options.schema})` : ''),
      close: () => db.destroy(),
    };
  }
  let dir: string | undefined;
  let lock: DataDirLock | undefined;
  if (options.dataDir) {
    dir = join(options.dataDir, 'pgdata');
    mkdirSync(dir, { recursive: true });
    // PGlite serves one process: a second one on the same files would overwrite what the first wrote.
    lock = lockDataDir(options.dataDir);
  }
  try {
    const engine = embeddedEngine();
    const pglite = new engine.PGlite({
      ...(dir ? { dataDir: dir } : {}),
      ...(options.pgliteImage ? { loadDataDir: options.pgliteImage } : {}),
      parsers: pgliteParsers,
    });
    const db = knexFactory({
      ...common,
      client: engine.client,
      connection: () => ({ pglite }) as object,
    });
    let stopClosing: (() => void) | undefined;
    let filesClosed: Promise<void> | undefined;
    // The database closes before knex does: a transaction still running (a run stopped by a
    // signal) is rolled back instead of awaited. One never used may still be starting.
    const closeFiles = () =>
      (filesClosed ??= (async () => {
        try {
          const started =
            !pglite.closed &&
            (await pglite.waitReady.then(
              () => true,
              () => false,
            ));
          if (started && !pglite.closed) await pglite.close();
        } finally {
          // The lock goes only once the files are closed.
          stopClosing?.();
          lock?.release();
        }
      })());
    let closed: Promise<void> | undefined;
    // Knex lets go of its connection once the transaction on it fails at its next statement.
    const close = () => (closed ??= closeFiles().finally(() => db.destroy()));
    if (lock) {
      // A process stopped by SIGINT or SIGTERM closes the files and ends; knex need not be awaited.
      stopClosing = onShutdown(async () => {
        close().catch(() => undefined);
        await closeFiles();
      });
    }
    return { db, kind: 'pglite', location: dir ?? 'memory', close, pglite };
  } catch (err) {
    lock?.release();
    throw err;
  }
}

/** Runs `fn` in a transaction, reusing `db` when it already is one, so use cases compose. */
export async function inTransaction<T>(db: Db, fn: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
  if (db.isTransaction) return fn(db as Knex.Transaction);
  return db.transaction(fn);
}

interface Statement {
  name: string;
  /** The SQL with PostgreSQL's numbered parameters. */
  text: string;
}
const statements = new Map<string, Statement>();

function statementOf(sql: string): Statement {
  let statement = statements.get(sql);
  if (!statement) {
    let n = 0;
    statement = {
      name: `k_${createHash('sha256').update(sql).digest('hex').slice(0, 24)}`,
      text: sql.replace(/\?/g, () => `$${++n}`),
    };
    if (statements.size < 10_000) statements.set(sql, statement);
  }
  return statement;
}

/**
 * Runs a raw query (with `?` placeholders, no other question marks) as a named prepared statement:
 * PostgreSQL parses and plans it once per connection and reuses the plan. For the statements of the
 * request paths that run most often; the name is derived from the SQL text, so the same text always
 * has the same name. Outside a transaction on PostgreSQL it goes to a pooled connection directly,
 * without the query builder's work per query.
 */
export async function prepared(
  db: Db,
  sql: string,
  bindings: readonly unknown[],
): Promise<{ rows: unknown[] }> {
  const { name, text } = statementOf(sql);
  if (db.client.config.client === 'pg' && !db.isTransaction) {
    const connection = (await db.client.acquireConnection()) as pg.PoolClient;
    try {
      return await connection.query({ name, text, values: bindings as unknown[] });
    } finally {
      await db.client.releaseConnection(connection);
    }
  }
  return (await db.raw(sql, bindings as Knex.RawBinding[]).options({ name })) as { rows: unknown[] };
}
