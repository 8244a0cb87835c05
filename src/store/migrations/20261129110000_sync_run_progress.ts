import type { Knex } from 'knex';

/**
 * How far a running sync run has come (phase, records read, when), so that an operator sees it from
 * any instance while it runs; cleared when the run ends.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sync_runs', (t) => {
    t.jsonb('progress');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sync_runs', (t) => {
    t.dropColumn('progress');
  });
}
