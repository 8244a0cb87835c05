import { z } from 'zod';
import { defineRoute, type RouteDef } from './route.js';
import { AppError } from '../errors.js';
import { migrationStatus } from '../store/migrate.js';

const healthSchema = z.object({ status: z.literal('ok') });
const readySchema = z.object({
  status: z.literal('ready'),
  store: z.enum(['pglite', 'postgres']),
  migrations: z.object({ applied: z.number(), pending: z.number() }),
});

/** Liveness, readiness and the API description. */
export const systemRoutes: RouteDef[] = [
  defineRoute({
    method: 'get',
    path: '/health',
    summary: 'The process is up.',
    tag: 'system',
    access: 'public',
    responses: { 200: { description: 'Up', schema: healthSchema } },
    handler: async () => ({ body: { status: 'ok' } }),
  }),
  defineRoute({
    method: 'get',
    path: '/ready',
    summary: 'The store is reachable and all migrations are applied.',
    tag: 'system',
    access: 'public',
    responses: { 200: { description: 'Ready', schema: readySchema }, 503: { description: 'Not ready' } },
    handler: async ({ ctx }) => {
      let status: Awaited<ReturnType<typeof migrationStatus>>;
      try {
        status = await migrationStatus(ctx.store.db);
      } catch (err) {
        throw new AppError('unavailable', 'The store is not reachable.', undefined, { cause: err });
      }
      if (status.pending.length > 0) {
        throw new AppError('unavailable', `${status.pending.length} migration(s) not yet applied.`);
      }
      return {
        body: {
          status: 'ready',
          store: ctx.store.kind,
          migrations: { applied: status.applied.length, pending: 0 },
        },
      };
    },
  }),
];
