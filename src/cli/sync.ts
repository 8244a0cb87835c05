import { constants as fsConstants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { loadConfig } from '../config.js';
import { openRuntime } from '../runtime.js';
import { saveLink } from '../store/links.js';
import { findEmployerByCode, upsertEmployer } from '../store/employers.js';
import { noDeliveryMessage, syncDelivery } from '../sync/delivery.js';
import { readLinkFile } from '../sync/link.js';
import { checkLink } from '../sync/link-check.js';
import { formatReport, runReport } from '../sync/report.js';
import { exitCodes, UsageError, type Command, type CommandIO } from './command.js';

/** A one-line progress indicator on a terminal's stderr, redrawn in place. */
function progress(io: CommandIO): ((phase: string, records: number) => void) | undefined {
  if (!io.stderr.isTTY) return undefined;
  const started = Date.now();
  const phases = ['staging', 'planning', 'applying'];
  return (phase, records) => {
    const step = phases.indexOf(phase) + 1;
    const bar = '#'.repeat(step * 8).padEnd(phases.length * 8, '.');
    const secs = (Date.now() - started) / 1000;
    const rate = secs > 0 ? Math.round(records / secs) : 0;
    io.stderr.write(
      `\r[${bar}] ${phase.padEnd(8)} ${records.toLocaleString('nl-NL')} records (${rate.toLocaleString('nl-NL')}/s)   `,
    );
  };
}

/** Exit code of a run: 0 completed (rejects allowed), 3 guard tripped, 1 anything else. */
export function exitCodeOf(status: string): number {
  if (status === 'completed') return exitCodes.ok;
  if (status === 'guard_tripped') return exitCodes.guard;
  return exitCodes.failed;
}

/** Refuses a `--file` that is not a readable file, naming it. */
async function readableFile(file: string): Promise<void> {
  const info = await stat(file).catch((err: NodeJS.ErrnoException) => err);
  if (info instanceof Error) {
    throw new UsageError(
      info.code === 'ENOENT'
        ? `--file ${file}: no such file`
        : `--file ${file}: cannot be read (${info.code ?? 'error'})`,
    );
  }
  if (!info.isFile()) throw new UsageError(`--file ${file}: not a file`);
  await access(file, fsConstants.R_OK).catch(() => {
    throw new UsageError(`--file ${file}: cannot be read (no permission)`);
  });
}

/** `koppeling sync --config <file> [--file PATH] [--dry-run] [--force] [--json]`. */
export const syncCommand: Command = {
  name: ['sync'],
  usage: 'koppeling sync --config config/employers/<code>.yaml [--file PATH] [--dry-run] [--force] [--json]',
  summary:
    'Import one delivery of an employer (checks and stores the link file first; a dry run stores nothing).',
  options: {
    config: { type: 'string' },
    file: { type: 'string' },
    'dry-run': { type: 'boolean' },
    force: { type: 'boolean' },
    json: { type: 'boolean' },
  },
  positionals: { min: 0, max: 0 },
  jsonFailure: (message) => ({ runId: null, status: 'failed', message }),
  async run({ values, io }) {
    if (typeof values.config !== 'string') throw new UsageError('--config <link file> is required');
    const file = typeof values.file === 'string' ? values.file : undefined;
    // A --file that cannot be read is a mistake on the command line: said before any run is recorded.
    if (file !== undefined) await readableFile(file);
    const { link, lineOf } = await readLinkFile(values.config);
    // Checked completely before it is stored: a link that cannot run leaves the stored one as it was.
    await checkLink(link, values.config, lineOf);
    const runtime = await openRuntime(loadConfig(io.env));
    try {
      const dryRun = Boolean(values['dry-run']);
      // A dry run tries the link file without storing it: the stored link (and its schedule) stays
      // as it is. Only an employer not stored yet is recorded, without a link, so the run has one.
      const employer = dryRun
        ? ((await findEmployerByCode(runtime.store.db, link.employer.code)) ??
          (await upsertEmployer(runtime.store.db, { ...link.employer, linkMode: 'hr' })))
        : await saveLink(runtime.store.db, link, 'file');
      const onProgress = values.json ? undefined : progress(io);
      const result = await syncDelivery({
        store: runtime.store,
        vault: runtime.vault,
        employerId: employer.id,
        link,
        file,
        trigger: 'cli',
        dryRun,
        forcedBy: values.force ? `cli:${io.env.USER ?? userInfo().username}` : undefined,
        startedBy: `cli:${io.env.USER ?? userInfo().username}`,
        onProgress,
      });
      if (onProgress) io.stderr.write('\n');
      if (!result) {
        const message = noDeliveryMessage(link);
        if (values.json)
          io.stdout.write(JSON.stringify({ runId: null, status: 'no_delivery', message }) + '\n');
        else io.stdout.write(message + '\n');
        return exitCodes.ok;
      }
      const report = runReport(result);
      if (values.json) io.stdout.write(JSON.stringify(report) + '\n');
      else io.stdout.write(formatReport(report));
      if (result.waiting > 0)
        io.stderr.write(`${result.waiting} more deliveries are waiting in the drop folder.\n`);
      return exitCodeOf(result.status);
    } finally {
      await runtime.close();
    }
  },
};
