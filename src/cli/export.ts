import { once } from 'node:events';
import { loadConfig } from '../config.js';
import { AppError } from '../errors.js';
import { openRuntime } from '../runtime.js';
import { findEmployerByCode } from '../store/employers.js';
import { exportSnapshot } from '../sync/export.js';
import { UsageError, type Command } from './command.js';

async function write(out: NodeJS.WritableStream, text: string): Promise<void> {
  if (!out.write(text)) await once(out, 'drain');
}

/**
 * Whether the export has begun its document on stdout: a failure then ends that document with the
 * error (`{"employer", "employees": [...], "error"}`), so what was printed is still one JSON object.
 */
let begun = false;

/** `koppeling export --employer <code> --json`: the employer's employees as the sync left them. */
export const exportCommand: Command = {
  name: ['export'],
  usage: 'koppeling export --employer <code> --json',
  summary: 'Print every employee of an employer with employments and history as JSON (no vault data).',
  options: { employer: { type: 'string' }, json: { type: 'boolean' } },
  positionals: { min: 0, max: 0 },
  jsonFailure: (message) => (begun ? `\n],"error":${JSON.stringify(message)}}\n` : { error: message }),
  async run({ values, io }) {
    begun = false;
    const code = values.employer;
    if (typeof code !== 'string') throw new UsageError('--employer <code> is required');
    if (!values.json) throw new UsageError('--json is required (JSON is the only export format)');
    const runtime = await openRuntime(loadConfig(io.env));
    try {
      const employer = await findEmployerByCode(runtime.store.db, code);
      if (!employer) throw new AppError('not_found', `No employer with code "${code}".`);
      await write(io.stdout, `{"employer":${JSON.stringify(employer.code)},"employees":[`);
      begun = true;
      let first = true;
      await exportSnapshot(runtime.store.db, employer.id, async (e) => {
        await write(io.stdout, (first ? '\n' : ',\n') + JSON.stringify(e));
        first = false;
      });
      await write(io.stdout, '\n]}\n');
      return 0;
    } finally {
      await runtime.close();
    }
  },
};
