import type { Knex } from 'knex';

/**
 * A scheduled slot whose instance was killed outright (SIGKILL, out of memory, a lost machine) is
 * not released: the instance running it says it is alive (`beat_at`) until the slot is done
 * (`done_at`), so another instance, or this one when it is back, takes over a slot that went quiet.
 * `taken_over` counts those takeovers: a slot whose run kills its process every time is given up.
 * Only claims made by instances that do this (`beats`) are ever taken over: during a rolling deploy
 * an instance of the version before says nothing while it runs a slot, and is not taken for dead.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sync_schedule_claims', (t) => {
    t.timestamp('beat_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('done_at', { useTz: true });
    t.integer('taken_over').notNullable().defaultTo(0);
    t.boolean('beats').notNullable().defaultTo(false);
  });
  // The claims an instance still holds, which it says so for every 30 seconds.
  await knex.raw(
    `create index sync_schedule_claims_held on sync_schedule_claims (instance)
       where done_at is null and released_at is null`,
  );
  // Claims from before: taken for done (their instances no longer run them), unless released.
  await knex.raw(
    `update sync_schedule_claims set beat_at = claimed_at,
       done_at = case when released_at is null then claimed_at end`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`drop index if exists sync_schedule_claims_held`);
  await knex.schema.alterTable('sync_schedule_claims', (t) => {
    t.dropColumn('beats');
    t.dropColumn('taken_over');
    t.dropColumn('done_at');
    t.dropColumn('beat_at');
  });
}
