import type { Knex } from 'knex';

/**
 * The process that recorded a run. When a process dies, every run it had going is abandoned; a
 * drop-folder file is blamed for killing it only when its run was the process's one run going.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sync_runs', (t) => {
    t.text('process');
  });
  // Looked up for the runs a process left going or abandoned, not for the many that ended.
  await knex.raw(
    `create index sync_runs_process_left on sync_runs (process) where status in ('running', 'abandoned')`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`drop index if exists sync_runs_process_left`);
  await knex.schema.alterTable('sync_runs', (t) => {
    t.dropColumn('process');
  });
}
