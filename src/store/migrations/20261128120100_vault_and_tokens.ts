import type { Knex } from 'knex';

/** The data vault (wrapped per-employer keys, encrypted employee records, blind index) and operator tokens. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('vault_keys', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('employer_id').notNullable().references('employers.id').onDelete('restrict');
    t.text('key_id').notNullable().unique();
    t.text('wrapped_key').notNullable();
    t.text('master_key_id').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('retired_at', { useTz: true });
  });
  await knex.raw(
    `create unique index vault_keys_one_active on vault_keys (employer_id) where retired_at is null`,
  );

  await knex.schema.createTable('employee_vault', (t) => {
    t.uuid('employee_id').primary().references('employees.id').onDelete('restrict');
    t.uuid('employer_id').notNullable().references('employers.id').onDelete('restrict');
    t.text('ciphertext').notNullable();
    t.text('bsn_index');
    t.text('fingerprint').notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(
    `create index employee_vault_bsn on employee_vault (employer_id, bsn_index) where bsn_index is not null`,
  );

  await knex.schema.createTable('api_tokens', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('name').notNullable();
    t.text('kind').notNullable();
    t.text('token_hash').notNullable().unique();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('last_used_at', { useTz: true });
    t.timestamp('revoked_at', { useTz: true });
  });
  await knex.raw(`alter table api_tokens add constraint api_tokens_kind check (kind in ('operator'))`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('api_tokens');
  await knex.schema.dropTableIfExists('employee_vault');
  await knex.schema.dropTableIfExists('vault_keys');
}
