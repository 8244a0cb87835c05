import type { Knex } from 'knex';

/**
 * When a link's schedule was last set (not when its document was last saved): a service that was
 * down at a slot runs it when it starts again, but only a slot of the schedule as it stands.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('employer_links', (t) => {
    t.timestamp('schedule_since', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(`update employer_links set schedule_since = updated_at`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('employer_links', (t) => {
    t.dropColumn('schedule_since');
  });
}
