import type { Knex } from 'knex';

const roles = [
  'superuser',
  'superuser_no_signals',
  'superuser_linked',
  'superuser_linked_no_signals',
  'superuser_linked_sick_only',
  'manager_reports',
  'manager_view',
  'absence_reporter',
];

/** User accounts, their roles and scopes per employer, sessions, one-time links, login throttling, machine tokens. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('users', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('login_name').notNullable();
    t.text('first_name').notNullable();
    t.text('last_name').notNullable();
    t.text('gender');
    t.text('email').notNullable();
    t.text('phone');
    t.text('language').notNullable().defaultTo('nl');
    t.text('password_hash');
    t.timestamp('password_changed_at', { useTz: true });
    t.text('totp_secret');
    t.timestamp('totp_confirmed_at', { useTz: true });
    t.bigInteger('totp_last_step');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(`create unique index users_login_name on users (lower(login_name))`);
  await knex.raw(`
    alter table users
      add constraint users_gender check (gender is null or gender in ('M', 'V', 'O')),
      add constraint users_language check (language in ('nl', 'en'))`);

  await knex.schema.createTable('user_memberships', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('user_id').notNullable().references('users.id').onDelete('restrict');
    t.uuid('employer_id').notNullable().references('employers.id').onDelete('restrict');
    t.text('role').notNullable();
    t.boolean('inherit_scope').notNullable().defaultTo(false);
    t.timestamp('valid_from', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('valid_until', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['user_id', 'employer_id']);
    t.index(['employer_id']);
  });
  await knex.raw(`
    alter table user_memberships
      add constraint user_memberships_role check (role in (${roles.map((r) => `'${r}'`).join(', ')})),
      add constraint user_memberships_period check (valid_until is null or valid_until >= valid_from)`);

  await knex.schema.createTable('user_scope_departments', (t) => {
    t.uuid('membership_id').notNullable().references('user_memberships.id').onDelete('cascade');
    t.uuid('department_id').notNullable().references('departments.id').onDelete('restrict');
    t.primary(['membership_id', 'department_id']);
  });
  await knex.schema.createTable('user_scope_employees', (t) => {
    t.uuid('membership_id').notNullable().references('user_memberships.id').onDelete('cascade');
    t.uuid('employee_id').notNullable().references('employees.id').onDelete('restrict');
    t.primary(['membership_id', 'employee_id']);
  });

  await knex.schema.createTable('user_sessions', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('user_id').notNullable().references('users.id').onDelete('restrict');
    t.text('token_hash').notNullable().unique();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('last_seen_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('revoked_at', { useTz: true });
    t.index(['user_id']);
  });

  await knex.schema.createTable('user_backup_codes', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('user_id').notNullable().references('users.id').onDelete('restrict');
    t.text('code_hash').notNullable();
    t.timestamp('used_at', { useTz: true });
    t.index(['user_id']);
  });

  await knex.schema.createTable('user_links', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('user_id').notNullable().references('users.id').onDelete('restrict');
    t.text('purpose').notNullable();
    t.text('token_hash').notNullable().unique();
    t.jsonb('data').notNullable().defaultTo('{}');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('used_at', { useTz: true });
    t.index(['user_id', 'purpose']);
  });
  await knex.raw(`
    alter table user_links
      add constraint user_links_purpose check (purpose in ('activate', 'reset', 'email', 'login', 'totp'))`);

  // Keyed by login name (existing or not) and by client address, so a lockout reveals nothing.
  await knex.schema.createTable('login_throttle', (t) => {
    t.text('key').primary();
    t.integer('failures').notNullable().defaultTo(0);
    t.timestamp('window_started_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('locked_until', { useTz: true });
  });

  await knex.schema.alterTable('api_tokens', (t) => {
    t.jsonb('capabilities').notNullable().defaultTo('[]');
    t.uuid('employer_id').references('employers.id').onDelete('restrict');
    t.timestamp('expires_at', { useTz: true });
    t.text('created_by');
  });
  await knex.raw(`alter table api_tokens drop constraint api_tokens_kind`);
  await knex.raw(
    `alter table api_tokens add constraint api_tokens_kind check (kind in ('operator', 'machine'))`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`delete from api_tokens where kind = 'machine'`);
  await knex.raw(`alter table api_tokens drop constraint api_tokens_kind`);
  await knex.raw(`alter table api_tokens add constraint api_tokens_kind check (kind in ('operator'))`);
  await knex.schema.alterTable('api_tokens', (t) => {
    t.dropColumn('capabilities');
    t.dropColumn('employer_id');
    t.dropColumn('expires_at');
    t.dropColumn('created_by');
  });
  for (const table of [
    'login_throttle',
    'user_links',
    'user_backup_codes',
    'user_sessions',
    'user_scope_employees',
    'user_scope_departments',
    'user_memberships',
    'users',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
}
