import { main } from './cli/main.js';
import type { CommandIO } from './cli/command.js';
import { exitUnlessStopping, stopOnSignals } from './shutdown.js';

stopOnSignals();
const io: CommandIO = { stdout: process.stdout, stderr: process.stderr, env: process.env };
const { code, longRunning } = await main(process.argv.slice(2), io);
if (!longRunning || code !== 0) {
  process.exitCode = code;
  // Pending handles (pools, timers) must not keep a finished command alive.
  setImmediate(() => exitUnlessStopping(code));
}
