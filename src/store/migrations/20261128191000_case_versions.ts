import type { Knex } from 'knex';

/**
 * Every report on an existing absence case raises the case's version. A report is computed from
 * the version it read and written only if the case still has it, so two reports on one case at the
 * same moment cannot both build on the same state: the second is refused and can be made again.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('absence_cases', (t) => {
    t.integer('version').notNullable().defaultTo(0);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('absence_cases', (t) => {
    t.dropColumn('version');
  });
}
