import type { Knex } from 'knex';
import { prepared } from './db.js';

/** A knex query that is built but not sent: its SQL with `?` placeholders and its bindings. */
export interface Sendable {
  toSQL(): { sql: string; bindings: readonly unknown[] };
}

/**
 * Writes collected and sent as one statement of data-modifying CTEs: one round trip instead of
 * one per write, and atomic on its own like any single statement. The parts run on one snapshot
 * and do not see each other's rows: no two parts may change the same row, and a part that reads a
 * table sees it as it was before the statement. Foreign keys are checked at the end, so a part may
 * refer to a row another part inserts.
 */
export class WriteBatch {
  private readonly parts: Array<{ sql: string; bindings: readonly unknown[] }> = [];
  private resultPart: string | undefined;

  /** Adds a write; with `result` its RETURNING rows are what `run` answers. */
  add(query: Sendable, options: { result?: boolean } = {}): this {
    const { sql, bindings } = query.toSQL();
    const name = `w${this.parts.length}`;
    this.parts.push({ sql, bindings });
    if (options.result) {
      if (this.resultPart) throw new Error('A write batch answers the rows of one part only.');
      this.resultPart = name;
    }
    return this;
  }

  get size(): number {
    return this.parts.length;
  }

  /** Sends every write as one statement; answers the RETURNING rows of the result part. */
  async run<T = Record<string, unknown>>(db: Knex): Promise<T[]> {
    if (this.parts.length === 0) return [];
    const ctes = this.parts.map((p, i) => `w${i} as (${p.sql})`).join(',\n');
    const tail = this.resultPart ? `select * from ${this.resultPart}` : 'select 1 as done';
    const result = await prepared(
      db,
      `with ${ctes}\n${tail}`,
      this.parts.flatMap((p) => p.bindings),
    );
    return result.rows as T[];
  }
}
