import type { Knex } from 'knex';

/**
 * A scheduled slot whose instance stopped before it was done (a restart, a rolling deploy) is
 * released, so that an instance that runs on, or this one when it is back, runs it after all.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sync_schedule_claims', (t) => {
    t.timestamp('released_at', { useTz: true });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sync_schedule_claims', (t) => {
    t.dropColumn('released_at');
  });
}
