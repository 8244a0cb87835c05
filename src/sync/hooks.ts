import type { Knex } from 'knex';

export interface EmploymentsEnded {
  employmentIds: string[];
  runId: string;
  endDate: string;
}

/** Called inside the apply transaction after a complete delivery ended employments by absence. */
export type EmploymentsEndedHook = (trx: Knex.Transaction, event: EmploymentsEnded) => Promise<void>;

/**
 * Modules that must react to ended employments in the same transaction (e.g. absence signals)
 * push their hook here at start-up; a failing hook rolls the whole run back.
 */
export const onEmploymentsEnded: EmploymentsEndedHook[] = [];
