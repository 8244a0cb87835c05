import type { Knex } from 'knex';

/**
 * Integrity checks that cost less per row when a sync writes hundreds of thousands of rows at once:
 *
 * - Employment versions of one employment must not overlap. The check runs once per statement over
 *   the rows the statement wrote (a transition table), instead of once per row at commit. Every
 *   writer closes the version before it adds the next one, so each statement leaves no overlap.
 * - An employment and a vault record point at their employee together with the employer, through
 *   one composite foreign key: one check per row instead of two, and a row can no longer name an
 *   employer other than its employee's.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`drop trigger employment_versions_no_overlap on employment_versions`);
  await knex.raw(`drop function employment_versions_check_overlap()`);
  await knex.raw(`
    create function employment_versions_check_overlap() returns trigger language plpgsql as $$
    declare
      overlap date;
    begin
      -- Planned at each call for the number of rows written: one edit probes the index, a bulk
      -- load of a delivery joins in one pass.
      execute 'select n.valid_from from written_versions n
        join employment_versions v on v.employment_id = n.employment_id and v.id <> n.id
         and daterange(v.valid_from, v.valid_to, ''[]'') && daterange(n.valid_from, n.valid_to, ''[]'')
       limit 1' into overlap;
      if overlap is not null then
        raise exception 'employment versions overlap from %', overlap using errcode = '23P01';
      end if;
      return null;
    end $$`);
  for (const event of ['insert', 'update']) {
    await knex.raw(`
      create trigger employment_versions_no_overlap_${event} after ${event} on employment_versions
      referencing new table as written_versions
      for each statement execute function employment_versions_check_overlap()`);
  }

  await knex.raw(`alter table employees add constraint employees_id_employer unique (id, employer_id)`);
  for (const table of ['employments', 'employee_vault']) {
    await knex.raw(`
      alter table ${table}
        drop constraint ${table}_employee_id_foreign,
        drop constraint ${table}_employer_id_foreign,
        add constraint ${table}_employee_foreign foreign key (employee_id, employer_id)
          references employees (id, employer_id) on delete restrict`);
  }
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['employments', 'employee_vault']) {
    await knex.raw(`
      alter table ${table}
        drop constraint ${table}_employee_foreign,
        add constraint ${table}_employee_id_foreign foreign key (employee_id)
          references employees (id) on delete restrict,
        add constraint ${table}_employer_id_foreign foreign key (employer_id)
          references employers (id) on delete restrict`);
  }
  await knex.raw(`alter table employees drop constraint employees_id_employer`);

  for (const event of ['insert', 'update']) {
    await knex.raw(`drop trigger employment_versions_no_overlap_${event} on employment_versions`);
  }
  await knex.raw(`drop function employment_versions_check_overlap()`);
  await knex.raw(`
    create function employment_versions_check_overlap() returns trigger language plpgsql as $$
    begin
      if exists (
        select 1 from employment_versions v
        where v.employment_id = new.employment_id and v.id <> new.id
          and daterange(v.valid_from, v.valid_to, '[]') && daterange(new.valid_from, new.valid_to, '[]')
      ) then
        raise exception 'employment versions overlap from %', new.valid_from using errcode = '23P01';
      end if;
      return null;
    end $$`);
  await knex.raw(`
    create constraint trigger employment_versions_no_overlap after insert or update on employment_versions
    deferrable initially deferred for each row execute function employment_versions_check_overlap()`);
}
