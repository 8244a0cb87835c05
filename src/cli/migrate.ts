import { loadConfig } from '../config.js';
import { openRuntime } from '../runtime.js';
import { migrateLatest, migrationStatus } from '../store/migrate.js';
import type { Command } from './command.js';

/** `koppeling migrate [--status]`: apply pending migrations, or list applied and pending ones. */
export const migrateCommand: Command = {
  name: ['migrate'],
  usage: 'koppeling migrate [--status]',
  summary: 'Apply pending database migrations (or show their status).',
  options: { status: { type: 'boolean' } },
  positionals: { min: 0, max: 0 },
  async run({ values, io }) {
    const runtime = await openRuntime(loadConfig(io.env), { migrate: false });
    try {
      if (values.status) {
        const s = await migrationStatus(runtime.store.db);
        io.stdout.write(`store: ${runtime.store.kind} at ${runtime.store.location}\n`);
        for (const name of s.applied) io.stdout.write(`  applied  ${name}\n`);
        for (const name of s.pending) io.stdout.write(`  pending  ${name}\n`);
        return 0;
      }
      const applied = await migrateLatest(runtime.store.db);
      io.stdout.write(
        applied.length
          ? `Applied ${applied.length} migration(s):\n${applied.map((a) => `  ${a}\n`).join('')}`
          : 'Already up to date.\n',
      );
      return 0;
    } finally {
      await runtime.close();
    }
  },
};
