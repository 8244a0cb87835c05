import { loadConfig } from '../config.js';
import { AppError } from '../errors.js';
import { openRuntime } from '../runtime.js';
import { findEmployerByCode } from '../store/employers.js';
import { isUuid } from '../store/ids.js';
import { formatReport, storedRunReport } from '../sync/report.js';
import { findRun, listRuns } from '../sync/runs.js';
import { countOption, UsageError, type Command } from './command.js';

/** `koppeling runs --employer <code> [--limit N] [--json]`: the latest sync runs of an employer. */
export const runsCommand: Command = {
  name: ['runs'],
  usage: 'koppeling runs --employer <code> [--limit N] [--json]',
  summary: 'List the latest sync runs of an employer (the 50 newest, or --limit N up to 1000).',
  options: { employer: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } },
  positionals: { min: 0, max: 0 },
  async run({ values, io }) {
    const code = values.employer;
    if (typeof code !== 'string') throw new UsageError('--employer <code> is required');
    const limit = countOption(values.limit, 'limit', 50, 1000);
    const runtime = await openRuntime(loadConfig(io.env));
    try {
      const employer = await findEmployerByCode(runtime.store.db, code);
      if (!employer) throw new AppError('not_found', `No employer with code "${code}".`);
      // One more than shown tells whether older runs exist.
      const found = await listRuns(runtime.store.db, employer.id, limit + 1);
      const runs = found.slice(0, limit);
      const older = found.length > limit;
      if (values.json) {
        io.stdout.write(JSON.stringify({ employer: code, runs, olderRuns: older }) + '\n');
        return 0;
      }
      if (runs.length === 0) io.stdout.write(`No sync runs for ${code} yet.\n`);
      for (const r of runs) {
        const c = r.counts;
        io.stdout.write(
          `${r.startedAt}  ${r.id}  ${r.status.padEnd(13)} ${r.trigger.padEnd(8)} ${r.delivery.padEnd(9)} ` +
            `+${c.created} ~${c.updated} -${c.ended} !${r.rejected}` +
            `${r.durationMs !== null ? `  ${(r.durationMs / 1000).toFixed(1)}s` : ''}${r.forcedBy ? `  forced by ${r.forcedBy}` : ''}` +
            `${r.progress ? `  ${r.progress.phase}, ${r.progress.records.toLocaleString('en')} records (${r.progress.at})` : ''}\n`,
        );
      }
      if (older)
        io.stdout.write(`The ${limit} newest runs; older ones exist (--limit N shows up to 1000).\n`);
      return 0;
    } finally {
      await runtime.close();
    }
  },
};

/** `koppeling runs show <runId> [--json]`: one run with its quarantined records. */
export const runsShowCommand: Command = {
  name: ['runs', 'show'],
  usage: 'koppeling runs show <runId> [--json]',
  summary: 'Show one sync run with its counts and rejected records.',
  options: { json: { type: 'boolean' } },
  positionals: { min: 1, max: 1 },
  async run({ values, positionals, io }) {
    const runId = positionals[0]!;
    if (!isUuid(runId)) throw new UsageError(`"${runId}" is not a run id (a UUID)`);
    const runtime = await openRuntime(loadConfig(io.env));
    try {
      const run = await findRun(runtime.store.db, runId);
      if (!run) throw new AppError('not_found', `No sync run ${runId}.`);
      const report = await storedRunReport(runtime.store.db, run);
      if (values.json) {
        io.stdout.write(JSON.stringify({ ...report, run }) + '\n');
      } else {
        io.stdout.write(
          `Employer ${run.employerCode}, ${run.trigger} run of ${run.connector}${run.sourceName ? ` (${run.sourceName})` : ''}, ` +
            `started ${run.startedAt}${run.forcedBy ? `, forced by ${run.forcedBy}` : ''}\n`,
        );
        io.stdout.write(formatReport(report, 1000));
      }
      return 0;
    } finally {
      await runtime.close();
    }
  },
};
