import type { Knex } from 'knex';
import { prepared } from './db.js';
import type { AppError } from '../errors.js';

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
  private guardPart: { name: string; refusal: AppError } | undefined;

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

  /**
   * Adds a write that must change exactly one row (an update with RETURNING): when it changes none,
   * because another statement changed that row first, the whole statement fails, writes nothing
   * and `run` throws `refusal`.
   */
  guard(query: Sendable, refusal: AppError): this {
    if (this.guardPart) throw new Error('A write batch has one guard.');
    this.guardPart = { name: `w${this.parts.length}`, refusal };
    return this.add(query);
  }

  /** Sends every write as one statement; answers the RETURNING rows of the result part. */
  async run<T = Record<string, unknown>>(db: Knex): Promise<T[]> {
    if (this.parts.length === 0) return [];
    const ctes = this.parts.map((p, i) => `w${i} as (${p.sql})`).join(',\n');
    // A failed guard turns into an error inside the statement (a text that is no integer), so that
    // PostgreSQL undoes every part; the check depends on the guard's rows and runs when they exist.
    const guard = this.guardPart
      ? `(select case when count(*) = 1 then '1' else '${guardFailed}' end from ${this.guardPart.name})::integer`
      : '1';
    const tail = this.resultPart
      ? `select r.*, g.guarded from (select ${guard} as guarded) g left join ${this.resultPart} r on true`
      : `select ${guard} as guarded`;
    try {
      const result = await prepared(
        db,
        `with ${ctes}\n${tail}`,
        this.parts.flatMap((p) => p.bindings),
      );
      return result.rows as T[];
    } catch (err) {
      // Two statements racing for the same row also meet at the unique keys of what they append.
      const code = (err as { code?: string }).code;
      const raced = String((err as Error).message).includes(guardFailed) || code === '23505';
      if (this.guardPart && raced) throw this.guardPart.refusal;
      throw err;
    }
  }
}

const guardFailed = 'guarded row changed by another statement';
