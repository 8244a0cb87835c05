import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { openStore } from '../../src/store/db.js';
import { migrateLatest } from '../../src/store/migrate.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteImage: string;
  }
}

/**
 * Migrates one embedded database and saves its image, so each PGlite test file starts from a
 * migrated copy instead of running every migration again. PostgreSQL runs migrate per schema.
 */
export default async function setup(project: TestProject): Promise<() => void> {
  const dir = mkdtempSync(join(tmpdir(), 'koppeling-test-'));
  const file = join(dir, 'migrated.tar');
  if (process.env.KOPPELING_TEST_STORE !== 'postgres') {
    const store = openStore({});
    await migrateLatest(store.db);
    const image = await store.pglite!.dumpDataDir('none');
    writeFileSync(file, Buffer.from(await image.arrayBuffer()));
    await store.close();
  }
  project.provide('pgliteImage', file);
  return () => rmSync(dir, { recursive: true, force: true });
}
