// Run as a process of its own: waits until the given moment, takes the lock on the data folder and
// prints "taken", or prints "refused: <message>"; a process that took it keeps it until it is stopped.
import { lockDataDir } from '../../src/store/lock.js';

const [dataDir, startAt] = process.argv.slice(2);
const wait = Number(startAt) - Date.now();
if (wait > 0) await new Promise((r) => setTimeout(r, wait));
try {
  lockDataDir(dataDir!);
  process.stdout.write('taken\n');
  setInterval(() => undefined, 60_000);
} catch (err) {
  process.stdout.write(`refused: ${(err as Error).message}\n`);
}
