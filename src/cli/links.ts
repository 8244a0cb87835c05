import { loadConfig } from '../config.js';
import { AppError } from '../errors.js';
import { openRuntime } from '../runtime.js';
import { listLinks } from '../store/links.js';
import { checkStoredLink } from '../sync/link-check.js';
import type { Command } from './command.js';

/**
 * `koppeling links check [--employer <code>] [--json]`: whether each stored link could run now. A
 * mapping file edited after the link was stored, a drop folder that was moved, or a link stored by
 * an earlier version would otherwise only show when its next run fails.
 */
export const linksCheckCommand: Command = {
  name: ['links', 'check'],
  usage: 'koppeling links check [--employer <code>] [--json]',
  summary: "Check that every stored link (or one employer's) can run: settings, mapping and source.",
  options: { employer: { type: 'string' }, json: { type: 'boolean' } },
  positionals: { min: 0, max: 0 },
  async run({ values, io }) {
    const code = typeof values.employer === 'string' ? values.employer : undefined;
    const runtime = await openRuntime(loadConfig(io.env));
    try {
      const stored = await listLinks(runtime.store.db, code === undefined ? {} : { code });
      if (code !== undefined && stored.length === 0) {
        throw new AppError('not_found', `No stored link for employer "${code}".`);
      }
      const links = [];
      for (const s of stored) links.push(await checkStoredLink(s, runtime.config.sourceRoots));
      const failing = links.filter((l) => !l.ok).length;
      if (values.json) {
        io.stdout.write(JSON.stringify({ links, failing }) + '\n');
      } else {
        if (links.length === 0) io.stdout.write('No links stored yet.\n');
        const width = Math.max(0, ...links.map((l) => l.employer.length));
        for (const l of links) {
          // A mapping file's problems come one per line: each under the first.
          const message = l.message.split('\n').join(`\n${' '.repeat(width + 8)}`);
          io.stdout.write(`${l.employer.padEnd(width)}  ${l.ok ? 'ok  ' : 'FAIL'}  ${message}\n`);
        }
        if (links.length > 0) {
          io.stdout.write(`${links.length} link(s), ${failing} cannot run.\n`);
        }
      }
      return failing > 0 ? 1 : 0;
    } finally {
      await runtime.close();
    }
  },
};
