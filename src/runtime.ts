import { mkdirSync } from 'node:fs';
import type { Config } from './config.js';
import { limitHeapGrowth } from './heap.js';
import { configureLogger, log } from './log.js';
import { openStore, type Store } from './store/db.js';
import { migrateLatest } from './store/migrate.js';
import { loadVaultKeys } from './vault/keys.js';
import { Vault } from './vault/vault.js';
import { onEmploymentsEnded, type EmploymentsEndedHook } from './sync/hooks.js';
import { recordEmploymentsEnded } from './absence/sync-events.js';
import { concurrencyLimit, type Turn } from './jobs/limit.js';

/** Ended employments of sick employees become case events, in the sync's own transaction. */
const recordCaseEvents: EmploymentsEndedHook = async (trx, event) => {
  await recordEmploymentsEnded(trx, event);
};

/** Connects modules that react to each other's events without importing each other; idempotent. */
export function connectModules(): void {
  if (!onEmploymentsEnded.includes(recordCaseEvents)) onEmploymentsEnded.push(recordCaseEvents);
}

export interface Runtime {
  config: Config;
  store: Store;
  vault: Vault;
  /**
   * Turns of the sync runs this instance starts, scheduled and API-started alike: at most
   * KOPPELING_SYNC_CONCURRENCY hold a database connection for a run at a time.
   */
  syncTurn: Turn;
  close(): Promise<void>;
}

/** Opens the store (migrating it when asked), loads the vault keys and sets up logging. */
export async function openRuntime(config: Config, options: { migrate?: boolean } = {}): Promise<Runtime> {
  configureLogger({
    level: config.logLevel,
    format: config.logFormat,
    production: config.env === 'production',
  });
  limitHeapGrowth(config.heapGrowthPercent);
  mkdirSync(config.dataDir, { recursive: true });
  connectModules();
  const store = openStore({
    databaseUrl: config.databaseUrl,
    dataDir: config.databaseUrl ? undefined : config.dataDir,
    poolMax: config.databasePoolMax,
  });
  try {
    if (options.migrate !== false) {
      const applied = await migrateLatest(store.db);
      if (applied.length) log.info('migrations applied', { migrations: applied });
    }
    const { keys, generated } = loadVaultKeys(config);
    if (generated) {
      log.warn(
        'vault keys generated into the data folder; configure KOPPELING_MASTER_KEY and KOPPELING_INDEX_KEY for production',
        {
          dataDir: config.dataDir,
        },
      );
    }
    const vault = new Vault(store.db, keys);
    const syncTurn = concurrencyLimit(config.syncConcurrency);
    return { config, store, vault, syncTurn, close: () => store.close() };
  } catch (err) {
    await store.close();
    throw err;
  }
}
