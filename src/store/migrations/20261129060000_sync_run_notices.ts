import type { Knex } from 'knex';

/**
 * What the operator should know about a run that stopped no record (`Notice`): a department the
 * delivery names with two names or two parents, say. Department names only, never a vault value.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sync_runs', (t) => {
    t.jsonb('notices');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sync_runs', (t) => {
    t.dropColumn('notices');
  });
}
