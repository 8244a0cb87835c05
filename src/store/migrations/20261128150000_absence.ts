import type { Knex } from 'knex';

const actorTypes = `('operator', 'user', 'api_token', 'sync', 'system')`;

/** Absence and pregnancy cases, timelines, report history, Poortwachter tasks, case file, case events, outbox. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('absence_cases', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('employer_id').notNullable().references('employers.id').onDelete('restrict');
    t.uuid('employee_id').notNullable().references('employees.id').onDelete('restrict');
    t.uuid('employment_id').notNullable().references('employments.id').onDelete('restrict');
    t.text('status').notNullable().defaultTo('open');
    t.date('first_sick_day').notNullable();
    t.date('count_start').notNullable();
    t.uuid('continues_case_id').references('absence_cases.id').onDelete('restrict');
    t.text('classification').notNullable();
    t.boolean('safety_net').notNullable().defaultTo(false);
    t.text('late_reason');
    t.date('last_sick_day');
    t.text('end_kind');
    t.text('end_reason');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['employee_id']);
    t.index(['employer_id', 'status']);
  });
  await knex.raw(`
    alter table absence_cases
      add constraint absence_cases_status check (status in ('open', 'ended')),
      add constraint absence_cases_classification check (classification in
        ('illness', 'work_accident', 'traffic_accident_liable_third_party', 'pregnancy_related')),
      add constraint absence_cases_count check (count_start <= first_sick_day),
      add constraint absence_cases_end check (
        (status = 'open' and last_sick_day is null and end_kind is null)
        or (status = 'ended' and last_sick_day >= first_sick_day and end_kind in ('recovered', 'other'))),
      add constraint absence_cases_end_reason check (end_reason is null or end_reason in
        ('out_of_service_while_sick', 'deceased', 'other'))`);
  // The rule "one open case per employment" holds even when two reports race.
  await knex.raw(
    `create unique index absence_cases_one_open on absence_cases (employment_id) where status = 'open'`,
  );

  await knex.schema.createTable('absence_periods', (t) => {
    t.bigIncrements('id').primary();
    t.uuid('case_id').notNullable().references('absence_cases.id').onDelete('restrict');
    t.date('from_date').notNullable();
    t.date('until_date');
    t.integer('percentage').notNullable();
    t.unique(['case_id', 'from_date']);
  });
  await knex.raw(`
    alter table absence_periods
      add constraint absence_periods_percentage check (percentage between 1 and 100),
      add constraint absence_periods_range check (until_date is null or until_date >= from_date)`);

  await knex.schema.createTable('pregnancy_cases', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('employer_id').notNullable().references('employers.id').onDelete('restrict');
    t.uuid('employee_id').notNullable().references('employees.id').onDelete('restrict');
    t.uuid('employment_id').notNullable().references('employments.id').onDelete('restrict');
    t.text('status').notNullable().defaultTo('open');
    t.date('expected_date').notNullable();
    t.boolean('multiple').notNullable().defaultTo(false);
    t.date('last_working_day').notNullable();
    t.date('leave_start').notNullable();
    t.date('leave_end').notNullable();
    t.date('actual_delivery_date');
    t.text('end_reason');
    t.date('ended_on');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['employee_id']);
  });
  await knex.raw(`
    alter table pregnancy_cases
      add constraint pregnancy_cases_status check (status in ('open', 'ended')),
      add constraint pregnancy_cases_leave check (leave_end >= leave_start)`);
  await knex.raw(
    `create unique index pregnancy_cases_one_open on pregnancy_cases (employment_id) where status = 'open'`,
  );

  await knex.schema.createTable('case_reports', (t) => {
    t.bigIncrements('id').primary();
    t.uuid('absence_case_id').references('absence_cases.id').onDelete('restrict');
    t.uuid('pregnancy_case_id').references('pregnancy_cases.id').onDelete('restrict');
    t.text('kind').notNullable();
    t.timestamp('reported_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.text('actor_type').notNullable();
    t.text('actor_id').notNullable();
    t.jsonb('details').notNullable().defaultTo('{}');
    t.index(['absence_case_id']);
    t.index(['pregnancy_case_id']);
  });
  await knex.raw(`
    alter table case_reports
      add constraint case_reports_one_case check ((absence_case_id is null) <> (pregnancy_case_id is null)),
      add constraint case_reports_actor check (actor_type in ${actorTypes})`);

  await knex.schema.createTable('poortwachter_tasks', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('employer_id').notNullable().references('employers.id').onDelete('restrict');
    t.uuid('employee_id').notNullable().references('employees.id').onDelete('restrict');
    t.uuid('case_id').notNullable().references('absence_cases.id').onDelete('restrict');
    t.text('kind').notNullable();
    t.integer('occurrence').notNullable().defaultTo(1);
    t.integer('week').notNullable();
    t.date('due_date').notNullable();
    t.text('status').notNullable().defaultTo('open');
    t.text('status_before_close');
    t.boolean('important').notNullable().defaultTo(false);
    t.date('postponed_to');
    t.text('reason');
    t.timestamp('done_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['case_id', 'kind', 'occurrence']);
    t.index(['employer_id', 'status', 'due_date']);
  });
  await knex.raw(`
    alter table poortwachter_tasks
      add constraint poortwachter_tasks_status check (status in ('open', 'done', 'postponed', 'dropped', 'closed')),
      add constraint poortwachter_tasks_postponed check (status <> 'postponed' or postponed_to is not null)`);

  await knex.schema.createTable('casefile_notes', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('employer_id').notNullable().references('employers.id').onDelete('restrict');
    t.uuid('employee_id').notNullable().references('employees.id').onDelete('restrict');
    t.uuid('absence_case_id').references('absence_cases.id').onDelete('restrict');
    t.uuid('pregnancy_case_id').references('pregnancy_cases.id').onDelete('restrict');
    t.text('text').notNullable();
    t.text('author_type').notNullable();
    t.text('author_id').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['employee_id', 'created_at']);
  });

  await knex.schema.createTable('case_events', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('employer_id').notNullable().references('employers.id').onDelete('restrict');
    t.uuid('employee_id').notNullable().references('employees.id').onDelete('restrict');
    t.uuid('employment_id').notNullable().references('employments.id').onDelete('restrict');
    t.uuid('absence_case_id').notNullable().references('absence_cases.id').onDelete('restrict');
    t.text('kind').notNullable();
    t.date('event_date').notNullable();
    t.text('sync_run_id');
    t.timestamp('recorded_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['absence_case_id', 'kind', 'event_date']);
  });
  await knex.raw(`
    alter table case_events add constraint case_events_kind check (kind in
      ('employment_ended_while_sick', 'fixed_term_ending_while_sick'))`);

  // Messages for the arbodienst: only kinds and ids, the exchange reads the case when it sends.
  await knex.schema.createTable('case_outbox', (t) => {
    t.bigIncrements('id').primary();
    t.uuid('employer_id').notNullable().references('employers.id').onDelete('restrict');
    t.text('case_type').notNullable();
    t.uuid('case_id').notNullable();
    t.integer('sequence').notNullable();
    t.text('message_kind').notNullable();
    t.text('status').notNullable().defaultTo('pending');
    t.integer('attempts').notNullable().defaultTo(0);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('delivered_at', { useTz: true });
    t.unique(['case_id', 'sequence']);
    t.index(['status', 'id']);
  });
  await knex.raw(`
    alter table case_outbox
      add constraint case_outbox_case_type check (case_type in ('absence', 'pregnancy')),
      add constraint case_outbox_status check (status in ('pending', 'delivered', 'failed'))`);
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'case_outbox',
    'case_events',
    'casefile_notes',
    'poortwachter_tasks',
    'case_reports',
    'pregnancy_cases',
    'absence_periods',
    'absence_cases',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
}
