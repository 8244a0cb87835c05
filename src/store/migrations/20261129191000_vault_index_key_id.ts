import type { Knex } from 'knex';

/**
 * The id of the index key the employer's blind indexes and fingerprints were made with, beside the
 * master key's: a process started with another index key would find no BSN that is stored (and take
 * every delivered employee for changed), so it stops instead. Keys from before are given it on first use.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('vault_keys', (t) => {
    t.text('index_key_id');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('vault_keys', (t) => {
    t.dropColumn('index_key_id');
  });
}
