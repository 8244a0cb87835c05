import type { Knex } from 'knex';

/**
 * The process that recorded a run. When a process dies, every run it had going is abandoned; a
 * drop-folder file is blamed for killing it only when its run was the process's one run going.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sync_runs', (t) => {
    t.text('process');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sync_runs', (t) => {
    t.dropColumn('process');
  });
}
