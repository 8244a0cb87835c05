import { randomUUID } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { z } from 'zod';
import { AppError } from '../errors.js';
import { log } from '../log.js';
import { authenticate } from './auth.js';
import { authorizeInput, requireAccess } from './authorize.js';
import type { AppContext } from './context.js';
import { errorHandler, notFound } from './errors.js';
import { buildOpenApi } from './openapi.js';
import type { RouteDef } from './route.js';
import { systemRoutes } from './system.js';
import { employerRoutes } from './employers.js';
import { syncRunRoutes } from './sync-runs.js';
import { hasBody } from './body.js';
import { loginRoutes } from './login-routes.js';
import { accountRoutes } from './account-routes.js';
import { userRoutes } from './user-routes.js';
import { masterdataRoutes } from './masterdata-routes.js';
import { tokenRoutes } from './token-routes.js';
import { absenceRoutes } from './absence.js';
import { pregnancyRoutes } from './pregnancy.js';
import { taskRoutes } from './tasks.js';

const requestIdPattern = /^[A-Za-z0-9._-]{1,64}$/;

/** Every route of the admin API, in one list: served by express and described by the OpenAPI document. */
export function allRoutes(): RouteDef[] {
  return [
    ...systemRoutes,
    ...employerRoutes,
    ...syncRunRoutes,
    ...loginRoutes,
    ...accountRoutes,
    ...userRoutes,
    ...masterdataRoutes,
    ...tokenRoutes,
    ...absenceRoutes,
    ...pregnancyRoutes,
    ...taskRoutes,
  ];
}

function requestContext(req: Request, res: Response, next: NextFunction): void {
  const incoming = req.header('x-request-id');
  req.id = incoming && requestIdPattern.test(incoming) ? incoming : randomUUID();
  res.setHeader('x-request-id', req.id);
  // Answers hold personal data and change with every report: nothing is cached on the way.
  res.setHeader('cache-control', 'no-store');
  const started = process.hrtime.bigint();
  res.on('finish', () => {
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    // The path only: query strings are never logged.
    log.info('request', {
      requestId: req.id,
      method: req.method,
      path: req.path,
      status: res.statusCode,
      ms: Math.round(ms),
    });
  });
  next();
}

const noQuery = z.object({}).strict();

function mount(app: express.Express, route: RouteDef, ctx: AppContext): void {
  const handler = async (req: Request, res: Response): Promise<void> => {
    const params = route.params ? route.params.parse(req.params) : {};
    // A route without query parameters takes none: `?bsn=...` is refused, not ignored.
    const query = (route.query ?? noQuery).parse(req.query);
    const body = route.body ? route.body.parse(req.body ?? {}) : req.body;
    const acting = await authorizeInput(ctx, req, route, { params, query, body });
    const result = await route.handler({ params, query, body, req, res, ctx, acting });
    if (res.headersSent) return;
    res.status(result.status ?? 200);
    if (result.raw) {
      res.type(result.raw.contentType).send(result.raw.data);
    } else if (result.body === undefined) {
      res.end();
    } else {
      res.json(result.body);
    }
  };
  const bodyParser = route.rawBody
    ? express.raw({ type: () => true, limit: '512mb' })
    : express.json({ limit: ctx.config.bodyLimit, strict: true });
  if (route.streamBody) app[route.method](route.path, requireAccess(route), handler);
  else if (route.rawBody) app[route.method](route.path, requireAccess(route), bodyParser, handler);
  else app[route.method](route.path, requireAccess(route), jsonOnly, bodyParser, handler);
}

/**
 * A body sent as something other than JSON would be read as no body at all, and then refused for
 * the fields it seems to lack; it is refused for what it is instead.
 */
function jsonOnly(req: Request, _res: Response, next: NextFunction): void {
  if (!hasBody(req) || req.is(['application/json', '+json'])) return next();
  next(
    new AppError('unsupported_media_type', 'Send the request body as JSON (Content-Type: application/json).'),
  );
}

/** The admin API: helmet, request ids, bearer authentication, routes, one error handler. */
export function createApp(ctx: AppContext, routes: RouteDef[] = allRoutes()): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // No ETags: every answer is `no-store`, so hashing each body would be work for nothing.
  app.set('etag', false);
  app.set('query parser', 'simple');
  app.use(helmet());
  app.use(requestContext);
  app.use(authenticate(ctx));
  const openapi = buildOpenApi(routes, process.env.npm_package_version ?? '0.1.0');
  app.get('/openapi.json', (_req, res) => {
    res.json(openapi);
  });
  for (const route of routes) mount(app, route, ctx);
  app.use(notFound);
  app.use(errorHandler);
  return app;
}

export const idParam = z.object({ id: z.uuid('an id (UUID)') }).strict();
