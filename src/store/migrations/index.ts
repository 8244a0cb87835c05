import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Knex } from 'knex';

interface Migration {
  up(knex: Knex): Promise<void>;
  down?(knex: Knex): Promise<void>;
}

const here = dirname(fileURLToPath(import.meta.url));
const migrationFile = /^\d{14}_[a-z0-9_]+\.(ts|js)$/;

/** Timestamp-named migration files in this folder (TypeScript under tsx, JavaScript in a build). */
function migrationNames(): string[] {
  return readdirSync(here)
    .filter((f) => migrationFile.test(f) && !f.endsWith('.d.ts'))
    .sort();
}

/** Knex migration source reading this folder, so the same migrations run from source and from dist. */
export const migrationSource: Knex.MigrationSource<string> = {
  getMigrations: () => Promise.resolve(migrationNames()),
  // Stored names drop the extension so a source run and a compiled run agree on what was applied.
  getMigrationName: (file) => file.replace(/\.(ts|js)$/, ''),
  getMigration: async (file) => (await import(pathToFileURL(`${here}/${file}`).href)) as Migration,
};
