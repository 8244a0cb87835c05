import type { Knex } from 'knex';

/** Employer links (the link document per employer), sync runs, quarantined records and schedule claims. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('employer_links', (t) => {
    t.uuid('employer_id').primary().references('employers.id').onDelete('restrict');
    t.jsonb('document').notNullable();
    t.text('schedule');
    t.text('source').notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(
    `alter table employer_links add constraint employer_links_source check (source in ('file', 'api'))`,
  );

  await knex.schema.createTable('sync_runs', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('employer_id').notNullable().references('employers.id').onDelete('restrict');
    t.text('trigger').notNullable();
    t.text('connector').notNullable();
    t.text('delivery').notNullable();
    t.text('source_name');
    t.text('status').notNullable();
    t.text('message');
    t.jsonb('counts').notNullable().defaultTo('{}');
    t.integer('rejected').notNullable().defaultTo(0);
    t.integer('rows_written').notNullable().defaultTo(0);
    t.text('forced_by');
    t.text('started_by');
    t.timestamp('started_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('finished_at', { useTz: true });
    t.integer('duration_ms');
    t.index(['employer_id', 'started_at']);
  });
  await knex.raw(`
    alter table sync_runs
      add constraint sync_runs_trigger check (trigger in ('cli', 'api', 'schedule')),
      add constraint sync_runs_delivery check (delivery in ('complete', 'mutations')),
      add constraint sync_runs_status check (status in
        ('running', 'completed', 'guard_tripped', 'failed', 'rejected', 'busy', 'abandoned'))`);

  await knex.schema.createTable('sync_rejections', (t) => {
    t.bigIncrements('id').primary();
    t.uuid('run_id').notNullable().references('sync_runs.id').onDelete('cascade');
    t.text('position').notNullable();
    t.text('field').notNullable();
    t.text('reason').notNullable();
    t.index(['run_id']);
  });

  await knex.schema.createTable('sync_schedule_claims', (t) => {
    t.uuid('employer_id').notNullable().references('employers.id').onDelete('restrict');
    t.timestamp('slot', { useTz: true }).notNullable();
    t.text('instance').notNullable();
    t.timestamp('claimed_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['employer_id', 'slot']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['sync_schedule_claims', 'sync_rejections', 'sync_runs', 'employer_links']) {
    await knex.schema.dropTableIfExists(table);
  }
}
