import type { Db } from './db.js';

export interface MigrationStatus {
  applied: string[];
  pending: string[];
}

/** Applies every pending migration, each in its own transaction; returns the names applied now. */
export async function migrateLatest(db: Db): Promise<string[]> {
  const [, applied] = (await db.migrate.latest()) as [number, string[]];
  return applied;
}

export async function migrationStatus(db: Db): Promise<MigrationStatus> {
  const [completed, pending] = (await db.migrate.list()) as [
    Array<{ name: string }>,
    Array<{ file: string }>,
  ];
  return { applied: completed.map((c) => c.name), pending: pending.map((p) => p.file) };
}
