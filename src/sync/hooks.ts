import type { Knex } from 'knex';
import { count, type Trx } from './sql.js';

/**
 * The employments a run ended, gave another end date or no end date any more, as a table of the run's
 * transaction (dropped at commit): `employment_id uuid, end_date date`. Ended by absence from a
 * complete delivery, the end date is the delivery date; ended by the source, it is the delivered end
 * date; an end date the source withdrew is null. A table rather than a list of ids, so that a run
 * that ends many employments holds no list in memory and passes no statement more parameters than
 * PostgreSQL takes.
 */
export const endedEmploymentsTable = 'ended_employments';

export interface EmploymentsEnded {
  runId: string;
  /** The run's delivery date. */
  date: string;
  /** The table of ended employments (`endedEmploymentsTable`). */
  table: string;
}

/** Called inside the apply transaction after a run ended employments or moved or withdrew their end dates. */
export type EmploymentsEndedHook = (trx: Knex.Transaction, event: EmploymentsEnded) => Promise<void>;

/**
 * Modules that must react to ended employments in the same transaction (e.g. absence signals)
 * push their hook here at start-up; a failing hook rolls the whole run back.
 */
export const onEmploymentsEnded: EmploymentsEndedHook[] = [];

/** Creates the run's table of ended employments; filled by the apply steps. */
export async function createEndedEmployments(trx: Trx): Promise<void> {
  await trx.raw(
    `create temp table ${endedEmploymentsTable} (employment_id uuid primary key, end_date date) on commit drop`,
  );
}

/** Calls the hooks when the run ended any employment (or withdrew an end). */
export async function announceEndedEmployments(trx: Trx, runId: string, date: string): Promise<void> {
  const ended = await count(trx, `select count(*) as n from ${endedEmploymentsTable}`);
  if (ended === 0) return;
  for (const hook of onEmploymentsEnded) await hook(trx, { runId, date, table: endedEmploymentsTable });
}
