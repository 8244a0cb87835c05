import type { Knex } from 'knex';

/**
 * Sync events on a case follow the source's end dates over time: an end, a withdrawal
 * (`employment_end_withdrawn`, new), the same end again. Each is a row of its own, so the one-row-per
 * case, kind and date rule now holds only for the morning job's fixed-term endings; the sync records
 * an end event when it differs from the case's latest one.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`alter table case_events drop constraint case_events_kind`);
  await knex.raw(`
    alter table case_events add constraint case_events_kind check (kind in
      ('employment_ended_while_sick', 'fixed_term_ending_while_sick', 'employment_end_withdrawn'))`);
  await knex.raw(
    `alter table case_events drop constraint case_events_absence_case_id_kind_event_date_unique`,
  );
  await knex.raw(`
    create unique index case_events_fixed_term_once on case_events (absence_case_id, event_date)
      where kind = 'fixed_term_ending_while_sick'`);
  await knex.raw(`create index case_events_case on case_events (absence_case_id, recorded_at)`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`drop index case_events_case`);
  await knex.raw(`drop index case_events_fixed_term_once`);
  await knex.raw(`delete from case_events where kind = 'employment_end_withdrawn'`);
  // The same end recorded again after a withdrawal: only the first row of each stays.
  await knex.raw(`
    delete from case_events a using case_events b
     where a.absence_case_id = b.absence_case_id and a.kind = b.kind and a.event_date = b.event_date
       and (a.recorded_at, a.id) > (b.recorded_at, b.id)`);
  await knex.raw(`
    alter table case_events add constraint case_events_absence_case_id_kind_event_date_unique
      unique (absence_case_id, kind, event_date)`);
  await knex.raw(`alter table case_events drop constraint case_events_kind`);
  await knex.raw(`
    alter table case_events add constraint case_events_kind check (kind in
      ('employment_ended_while_sick', 'fixed_term_ending_while_sick'))`);
}
