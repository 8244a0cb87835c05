// Run as a process of its own, as `koppeling` runs: stops on SIGINT and SIGTERM. Opens the embedded
// store in the given data folder, commits one row, starts a transaction that adds a second one and
// prints "holding" while that transaction is open. With "stuck", stopping first runs work that keeps
// the event loop busy (as a long statement does), so only a second signal ends the process.
import { openStore } from '../../src/store/db.js';
import { onShutdown, stopOnSignals } from '../../src/shutdown.js';

const [dataDir, mode] = process.argv.slice(2);
stopOnSignals();
const store = openStore({ dataDir: dataDir! });
if (mode === 'stuck') {
  onShutdown(async () => {
    process.stdout.write('stuck\n');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 120_000);
  });
}
await store.db.raw('create table if not exists kept (n int)');
await store.db.raw('insert into kept values (1)');
await store.db.transaction(async (trx) => {
  await trx.raw('insert into kept values (2)');
  process.stdout.write('holding\n');
  await new Promise((resolve) => setTimeout(resolve, 120_000));
});
