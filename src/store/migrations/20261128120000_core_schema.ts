import type { Knex } from 'knex';

/** Employers, departments, employees, employment versions, managers and the audit trail. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('employers', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('code').notNullable().unique();
    t.text('name').notNullable();
    t.text('kvk_number');
    t.text('payroll_tax_number');
    t.text('arbo_employer_id');
    t.text('arbo_contract_number');
    t.text('link_mode').notNullable().defaultTo('none');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(`
    alter table employers
      add constraint employers_code_format check (code ~ '^[a-z0-9][a-z0-9_-]{0,39}$'),
      add constraint employers_kvk_format check (kvk_number is null or kvk_number ~ '^[0-9]{8}$'),
      add constraint employers_payroll_tax_format check (payroll_tax_number is null or payroll_tax_number ~ '^[0-9]{9}L[0-9]{2}$'),
      add constraint employers_link_mode check (link_mode in ('none', 'hr', 'hr_absence'))`);

  await knex.schema.createTable('departments', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('employer_id').notNullable().references('employers.id').onDelete('restrict');
    t.text('code').notNullable();
    t.text('name').notNullable();
    t.uuid('parent_id').references('departments.id').onDelete('restrict');
    t.timestamp('archived_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['employer_id', 'code']);
    t.index(['parent_id']);
  });
  await knex.raw(
    `alter table departments add constraint departments_not_own_parent check (parent_id is null or parent_id <> id)`,
  );
  // Deferred so a delivery may re-hang several departments in one transaction; checked at commit.
  await knex.raw(`
    create function departments_check_tree() returns trigger language plpgsql as $$
    declare
      cycle boolean;
      parent_employer uuid;
    begin
      if new.parent_id is null then return null; end if;
      select employer_id into parent_employer from departments where id = new.parent_id;
      if parent_employer is distinct from new.employer_id then
        raise exception 'department % has a parent of another employer', new.code using errcode = '23514';
      end if;
      with recursive up(id, parent_id, depth) as (
        select d.id, d.parent_id, 1 from departments d where d.id = new.parent_id
        union all
        select d.id, d.parent_id, up.depth + 1 from departments d join up on d.id = up.parent_id
        where up.depth < 1000 and up.id <> new.id
      )
      select exists(select 1 from up where up.id = new.id) into cycle;
      if cycle then
        raise exception 'department % would be its own ancestor', new.code using errcode = '23514';
      end if;
      return null;
    end $$`);
  await knex.raw(`
    create constraint trigger departments_tree after insert or update of parent_id on departments
    deferrable initially deferred for each row execute function departments_check_tree()`);

  await knex.schema.createTable('employees', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('employer_id').notNullable().references('employers.id').onDelete('restrict');
    t.text('personnel_number').notNullable();
    t.text('source_system');
    t.text('remote_id');
    t.text('initials');
    t.text('first_name');
    t.text('name_prefix');
    t.text('last_name').notNullable();
    t.text('gender');
    t.date('birth_date');
    t.boolean('in_service').notNullable().defaultTo(true);
    t.timestamp('changed_at', { useTz: true });
    t.timestamp('remote_deleted_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['employer_id', 'personnel_number']);
  });
  await knex.raw(`
    alter table employees
      add constraint employees_gender check (gender is null or gender in ('M', 'V', 'O'))`);
  await knex.raw(`
    create unique index employees_remote_id on employees (employer_id, source_system, remote_id)
    where remote_id is not null`);
  await knex.raw(`create index employees_last_name on employees (employer_id, lower(last_name))`);

  await knex.schema.createTable('employments', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('employer_id').notNullable().references('employers.id').onDelete('restrict');
    t.uuid('employee_id').notNullable().references('employees.id').onDelete('restrict');
    t.text('external_id').notNullable();
    t.date('start_date').notNullable();
    t.date('end_date');
    t.text('end_reason');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['employer_id', 'external_id']);
    t.index(['employee_id']);
  });
  await knex.raw(`
    alter table employments
      add constraint employments_end_after_start check (end_date is null or end_date >= start_date)`);

  await knex.schema.createTable('employment_versions', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('employment_id').notNullable().references('employments.id').onDelete('restrict');
    t.date('valid_from').notNullable();
    t.date('valid_to');
    t.uuid('department_id').references('departments.id').onDelete('restrict');
    t.text('function_code');
    t.text('function_name');
    t.text('contract_type');
    t.decimal('hours_per_week', 5, 2);
    t.decimal('normal_hours_per_week', 5, 2);
    t.boolean('no_risk_policy').notNullable().defaultTo(false);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['employment_id', 'valid_from']);
    t.index(['department_id']);
  });
  await knex.raw(`
    alter table employment_versions
      add constraint employment_versions_period check (valid_to is null or valid_to >= valid_from),
      add constraint employment_versions_contract check (contract_type is null or contract_type in ('B', 'O')),
      add constraint employment_versions_hours check (hours_per_week is null or hours_per_week between 0 and 80),
      add constraint employment_versions_normal_hours check (normal_hours_per_week is null or normal_hours_per_week between 0 and 80)`);
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

  await knex.schema.createTable('department_managers', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('employer_id').notNullable().references('employers.id').onDelete('restrict');
    t.uuid('department_id').notNullable().references('departments.id').onDelete('restrict');
    t.uuid('employee_id').references('employees.id').onDelete('restrict');
    t.text('display_name').notNullable();
    t.text('email');
    t.date('valid_from').notNullable();
    t.date('valid_to');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['department_id']);
  });
  await knex.raw(`
    alter table department_managers
      add constraint department_managers_period check (valid_to is null or valid_to >= valid_from)`);

  await knex.schema.createTable('audit_events', (t) => {
    t.bigIncrements('id').primary();
    t.timestamp('occurred_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.text('actor_type').notNullable();
    t.text('actor_id');
    t.uuid('employer_id').references('employers.id').onDelete('restrict');
    t.text('action').notNullable();
    t.text('entity_type');
    t.text('entity_id');
    t.text('request_id');
    t.jsonb('details').notNullable().defaultTo('{}');
    t.index(['employer_id', 'occurred_at']);
  });
  await knex.raw(`
    alter table audit_events
      add constraint audit_events_actor check (actor_type in ('operator', 'user', 'api_token', 'sync', 'system'))`);
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'audit_events',
    'department_managers',
    'employment_versions',
    'employments',
    'employees',
    'departments',
    'employers',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
  await knex.raw('drop function if exists employment_versions_check_overlap()');
  await knex.raw('drop function if exists departments_check_tree()');
}
