import type { Knex } from 'knex';

/**
 * The columns of its mapping a delivery carried (CSV header names), each with the number of records
 * that had a value in it; never a value itself. A delivery that lacks a column the last completed
 * one had, or has it empty throughout, would empty that field for every employee: the run compares
 * against the last completed run before it applies anything.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sync_runs', (t) => {
    t.jsonb('columns');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sync_runs', (t) => {
    t.dropColumn('columns');
  });
}
