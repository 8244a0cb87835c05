import type { Knex } from 'knex';

/**
 * A case event for an end date the source withdrew after a sync had recorded it on the case
 * (`employment_end_withdrawn`): the employment runs on, and the case says so.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`alter table case_events drop constraint case_events_kind`);
  await knex.raw(`
    alter table case_events add constraint case_events_kind check (kind in
      ('employment_ended_while_sick', 'fixed_term_ending_while_sick', 'employment_end_withdrawn'))`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`delete from case_events where kind = 'employment_end_withdrawn'`);
  await knex.raw(`alter table case_events drop constraint case_events_kind`);
  await knex.raw(`
    alter table case_events add constraint case_events_kind check (kind in
      ('employment_ended_while_sick', 'fixed_term_ending_while_sick'))`);
}
