import type { Knex } from 'knex';

/**
 * Poortwachter tasks follow from the count a case belongs to, so they are no longer written when a
 * case opens, closed when it ends and reopened when the count continues: they are computed from
 * the count, and a task gets a row only once someone acts on it (done, postponed, dropped,
 * flagged). A case records the case that started its count (`count_case_id`, empty for a case that
 * starts its own); task rows belong to that first case. Closed is no longer stored: a task is
 * closed while the latest case of its count has ended.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('absence_cases', (t) => {
    t.uuid('count_case_id').references('absence_cases.id').onDelete('restrict');
    t.index(['count_case_id']);
    // The latest case of a count is the one no other case continues.
    t.index(['continues_case_id']);
  });
  await knex.raw(`
    with recursive chain(id, root) as (
      select id, id from absence_cases where continues_case_id is null
      union all
      select c.id, chain.root from absence_cases c join chain on c.continues_case_id = chain.id
    )
    update absence_cases c set count_case_id = chain.root
    from chain where chain.id = c.id and c.continues_case_id is not null`);
  await knex.raw(`
    update poortwachter_tasks t set case_id = c.count_case_id
    from absence_cases c where c.id = t.case_id and c.count_case_id is not null`);
  await knex.raw(`
    update poortwachter_tasks set status = status_before_close, status_before_close = null
    where status = 'closed'`);
  await knex.raw(`
    alter table poortwachter_tasks
      drop constraint poortwachter_tasks_status,
      add constraint poortwachter_tasks_status check (status in ('open', 'done', 'postponed', 'dropped'))`);
  await knex.schema.alterTable('poortwachter_tasks', (t) => {
    t.dropColumn('status_before_close');
  });
}

/** Not reversible: tasks nobody acted on have no rows the earlier schema could show. */
export function down(): Promise<void> {
  return Promise.reject(
    new Error('Migration 20261128190000_derived_tasks cannot be undone: restore a backup instead.'),
  );
}
