import { createServer, type Server } from 'node:http';
import { loadConfig } from '../config.js';
import { openRuntime } from '../runtime.js';
import { onShutdown } from '../shutdown.js';
import { createApp } from '../api/app.js';
import { removeLeftUploads, uploadSweepMs } from '../api/sync-runs.js';
import { log } from '../log.js';
import { ensureOperatorToken } from '../store/tokens.js';
import { Scheduler } from '../jobs/scheduler.js';
import { registerJobs } from '../jobs/index.js';
import type { Command } from './command.js';

/** `koppeling serve`: migrate, start the admin API and the scheduler, stop cleanly on SIGINT/SIGTERM. */
export const serveCommand: Command = {
  name: ['serve'],
  usage: 'koppeling serve',
  summary: 'Run migrations, then the admin API and the scheduler.',
  options: {},
  positionals: { min: 0, max: 0 },
  longRunning: true,
  async run({ io }) {
    const config = loadConfig(io.env);
    const runtime = await openRuntime(config);
    const token = await ensureOperatorToken(runtime.store.db, config.adminToken);
    if (token) {
      // Printed once, straight to the terminal: the logger would (rightly) redact it.
      io.stdout.write(`\nOperator token (shown once, stored only as a hash; keep it safe):\n  ${token}\n\n`);
    }
    const sweepUploads = async () => {
      const removed = await removeLeftUploads(
        runtime.store.db,
        config.dataDir,
        runtime.store.kind === 'postgres',
      );
      if (removed > 0) log.info('uploads of ended runs removed', { count: removed });
    };
    await sweepUploads();
    // A run that a crashed process left `running` is marked abandoned by the employer's next run:
    // its upload goes at the next sweep, not only when serve starts again.
    const sweep = setInterval(
      () => void sweepUploads().catch((err: unknown) => log.warn('uploads not swept', { err })),
      uploadSweepMs,
    );
    sweep.unref();
    const scheduler = new Scheduler(config.timezone);
    const serving: { server?: Server } = {};
    // On SIGINT or SIGTERM: no new jobs or requests, the requests under way are answered, then
    // the store closes. Registered first, so it runs last: after every scheduled slot going (those
    // taken again at start included) has settled, and the scheduler has released the rest.
    const stopClosing = onShutdown(async () => {
      clearInterval(sweep);
      await scheduler.stop();
      const { server } = serving;
      if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
      await runtime.close();
    });
    // The port first: an instance that cannot have it (the one it replaces still holds it, during a
    // deploy) ends before it takes a slot or starts a run, and leaves the slots to the others.
    const server = createServer(createApp(runtime));
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      stopClosing();
      clearInterval(sweep);
      await runtime.close();
      throw err;
    }
    serving.server = server;
    if (config.scheduler === 'on') await registerJobs(scheduler, runtime);
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    io.stdout.write(
      `Koppeling listening on http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${port} ` +
        `(store: ${runtime.store.kind} at ${runtime.store.location}; scheduler ${config.scheduler === 'on' ? `on, ${scheduler.jobNames().length} job(s)` : 'off'})\n`,
    );
    return 0;
  },
};
