import { parseArgs } from 'node:util';
import { ConfigError } from '../config.js';
import { AppError } from '../errors.js';
import { log, redactText } from '../log.js';
import { stoppingSignal } from '../shutdown.js';
import { commands } from './commands.js';
import { exitCodes, UsageError, type Command, type CommandIO } from './command.js';

function helpText(): string {
  return [
    'Usage: koppeling <command> [options]',
    '',
    'Commands:',
    ...commands.flatMap((c) => [`  ${c.usage}`, `      ${c.summary}`]),
    '  koppeling --help',
    '      Show this help.',
    '',
    'Exit codes: 0 done, 1 failed, 2 usage error, 3 sync guard tripped.',
    '',
  ].join('\n');
}

/** Finds the command whose name words match the start of argv (longest match first). */
function resolve(argv: string[]): { command: Command; rest: string[] } | undefined {
  const sorted = [...commands].sort((a, b) => b.name.length - a.name.length);
  for (const command of sorted) {
    if (command.name.every((word, i) => argv[i] === word))
      return { command, rest: argv.slice(command.name.length) };
  }
  return undefined;
}

/** Runs the CLI; returns the exit code (a long-running command returns 0 while it keeps serving). */
export async function main(argv: string[], io: CommandIO): Promise<{ code: number; longRunning: boolean }> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    (argv.length === 0 ? io.stderr : io.stdout).write(helpText());
    return { code: argv.length === 0 ? exitCodes.usage : exitCodes.ok, longRunning: false };
  }
  const found = resolve(argv);
  if (!found) {
    io.stderr.write(
      `koppeling: unknown command "${argv.join(' ')}"\nUsage: koppeling <command> [options] (see koppeling --help)\n`,
    );
    return { code: exitCodes.usage, longRunning: false };
  }
  const { command, rest } = found;
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(`Usage: ${command.usage}\n${command.summary}\n`);
    return { code: exitCodes.ok, longRunning: false };
  }
  let values: Record<string, string | boolean | Array<string | boolean> | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: rest,
      options: command.options,
      strict: true,
      allowPositionals: true,
    }));
    if (positionals.length < command.positionals.min || positionals.length > command.positionals.max) {
      throw new UsageError(
        `expected ${command.positionals.min === command.positionals.max ? command.positionals.min : `${command.positionals.min} to ${command.positionals.max}`} argument(s), got ${positionals.length}`,
      );
    }
  } catch (err) {
    io.stderr.write(
      `koppeling ${command.name.join(' ')}: ${(err as Error).message}\nUsage: ${command.usage}\n`,
    );
    return { code: exitCodes.usage, longRunning: false };
  }
  try {
    const code = await command.run({ values, positionals, io });
    return { code, longRunning: Boolean(command.longRunning) };
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`koppeling ${command.name.join(' ')}: ${err.message}\nUsage: ${command.usage}\n`);
      return { code: exitCodes.usage, longRunning: false };
    }
    const signal = stoppingSignal();
    // A message can quote what the user wrote (a line of a link file, a value): it is shown with
    // BSN-like numbers, IBANs and e-mail addresses redacted, as in the log.
    let message: string;
    // Stopped on a signal: the store closed under the command, which is what its error is about.
    if (signal) message = `stopped by ${signal} before it finished`;
    else if (err instanceof ConfigError || err instanceof AppError) message = redactText(err.message);
    else {
      log.error('command failed', { command: command.name.join(' '), err });
      message = `failed: ${redactText((err as Error).message)}`;
    }
    io.stderr.write(`koppeling ${command.name.join(' ')}: ${message}\n`);
    if (values.json === true) {
      const failure = command.jsonFailure ? command.jsonFailure(message) : { error: message };
      io.stdout.write(typeof failure === 'string' ? failure : JSON.stringify(failure) + '\n');
    }
    return { code: exitCodes.failed, longRunning: false };
  }
}
