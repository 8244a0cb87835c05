import type { Knex } from 'knex';

/**
 * The columns of its mapping a delivery carried (CSV header names; no values). A delivery that
 * lacks a column the last completed one had would empty that field for every employee: the run
 * compares against the last completed run before it applies anything.
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
