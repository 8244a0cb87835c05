import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Request } from 'express';
import { z } from 'zod';
import { AppError } from '../errors.js';
import { log } from '../log.js';
import type { Db } from '../store/db.js';
import { findLink } from '../store/links.js';
import { isUuid } from '../store/ids.js';
import type { Link } from '../sync/link.js';
import { noDeliveryMessage, prepareDelivery, runDelivery, type PreparedDelivery } from '../sync/delivery.js';
import { runReport, runReportSchema, storedRunReport } from '../sync/report.js';
import { countRejects, findRun, listRejects } from '../sync/runs.js';
import { concurrencyLimit, type Turn } from '../jobs/limit.js';
import { actorOf, type AppContext } from './context.js';
import { hasBody } from './body.js';
import { defineRoute, type RouteDef } from './route.js';
import { reaches } from './authorize.js';
import { requireEmployer } from './employers.js';

const codeParam = z
  .object({ code: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'an employer code') })
  .strict();
const idParam = z.object({ id: z.uuid('an id (UUID)') }).strict();
const flag = z.enum(['true', 'false']).transform((v) => v === 'true');
const startQuery = z
  .object({
    dryRun: flag.optional(),
    force: flag.optional(),
    wait: flag.optional(),
    filename: z.string().max(200).optional(),
  })
  .strict();
const pageQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(10_000).default(1000),
    offset: z.coerce.number().int().min(0).default(0),
  })
  .strict();

const appTurns = new WeakMap<AppContext, Turn>();

/** The turns API-started runs wait for: the instance's own, shared with its scheduled runs. */
function syncTurn(ctx: AppContext): Turn {
  if (ctx.syncTurn) return ctx.syncTurn;
  let turn = appTurns.get(ctx);
  if (!turn) appTurns.set(ctx, (turn = concurrencyLimit(ctx.config.syncConcurrency)));
  return turn;
}

/**
 * The name an upload goes by in positions (`werknemers.csv:12`) and in the run's source: the
 * `filename` query parameter, else the filename of a Content-Disposition header, reduced to a plain
 * file name; `delivery.csv` (or `.xml`) when none is given.
 */
export function uploadName(given: string | undefined, disposition: string | undefined, type: string): string {
  const fromHeader = disposition && /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition)?.[1];
  let name = given ?? (fromHeader ? safeDecode(fromHeader) : undefined);
  name = name
    ?.split(/[\\/]/)
    .pop()
    ?.replace(/[^\p{L}\p{N} ._-]+/gu, '_')
    .trim();
  if (!name || /^\.*$/.test(name)) return /xml/i.test(type) ? 'delivery.xml' : 'delivery.csv';
  return name;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Counts the bytes passing and stops the stream past `limit`. */
function byteLimit(limit: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      if (seen > limit) return done(tooLarge(limit));
      done(null, chunk);
    },
  });
}

function tooLarge(limit: number): AppError {
  return new AppError(
    'payload_too_large',
    `The delivery is larger than ${limit / 2 ** 20} MB (KOPPELING_UPLOAD_LIMIT_MB); nothing was stored and no run was started.`,
  );
}

/**
 * Streams an uploaded delivery to a file of its own folder (never held whole in memory), under its
 * name (`uploadName`); undefined without a body. A body over the limit, or one that breaks off, is
 * removed at once: a partial delivery holds BSNs and must not stay on disk.
 */
async function receiveUpload(
  req: Request,
  ctx: AppContext,
  runId: string,
  filename: string | undefined,
): Promise<{ dir: string; file: string; name: string } | undefined> {
  if (!hasBody(req)) return undefined;
  const length = Number(req.headers['content-length'] ?? 0);
  const limit = ctx.config.uploadLimitMb * 2 ** 20;
  if (length > limit) throw tooLarge(limit);
  const dir = join(uploadsDir(ctx.config.dataDir), runId);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  uploadsInUse.add(runId);
  const name = uploadName(filename, req.headers['content-disposition'], req.headers['content-type'] ?? '');
  const file = join(dir, name);
  try {
    await pipeline(req, byteLimit(limit), createWriteStream(file, { mode: 0o600 }));
  } catch (err) {
    await removeUpload(runId, dir);
    if (err instanceof AppError) throw err;
    throw new AppError(
      'bad_request',
      'The upload broke off before the end; nothing was stored and no run was started.',
      undefined,
      { cause: err },
    );
  }
  return { dir, file, name };
}

/** Where uploads wait for their run; each run's folder is removed when the run ends. */
export function uploadsDir(dataDir: string): string {
  return join(dataDir, 'uploads');
}

/**
 * The upload folders (named by run id) this process receives or still reads, from the first byte
 * until the run has ended: dry runs, which are never recorded, included.
 */
export const uploadsInUse = new Set<string>();

async function removeUpload(runId: string, dir: string): Promise<void> {
  try {
    await rm(dir, { recursive: true, force: true });
  } finally {
    uploadsInUse.delete(runId);
  }
}

/**
 * Removes uploads left by a process that ended while runs were reading them (they hold BSNs):
 * those of runs recorded as ended (a run abandoned by the next one included), and those without a
 * run record once nothing was written to them for an hour (a run is recorded right after its
 * upload). `serve` calls it when it starts and every hour (`uploadSweepMs`). The uploads this
 * process still uses stay (`uploadsInUse`); on PostgreSQL (`othersMayRun`) so do those of runs still recorded as going,
 * as another instance may be running them; on the embedded store no other process can, so those
 * go. Returns how many were removed.
 */
export async function removeLeftUploads(db: Db, dataDir: string, othersMayRun: boolean): Promise<number> {
  const root = uploadsDir(dataDir);
  const left = (await readdir(root).catch(() => [] as string[])).filter(isUuid);
  if (left.length === 0) return 0;
  const statusOf = new Map(
    (
      (await db('sync_runs').whereIn('id', left).select('id', 'status')) as Array<{
        id: string;
        status: string;
      }>
    ).map((r) => [r.id, r.status]),
  );
  const hourAgo = Date.now() - 3_600_000;
  let removed = 0;
  for (const id of left) {
    const status = statusOf.get(id);
    if (uploadsInUse.has(id) || (othersMayRun && status === 'running')) continue;
    if (status === undefined && (await lastWritten(join(root, id))) > hourAgo) continue;
    await rm(join(root, id), { recursive: true, force: true });
    removed += 1;
  }
  return removed;
}

/** How often `serve` removes uploads left behind (`removeLeftUploads`). */
export const uploadSweepMs = 3_600_000;

/** When a folder or a file in it was last written: an upload still arriving is written to. */
async function lastWritten(folder: string): Promise<number> {
  const files = await readdir(folder).catch(() => [] as string[]);
  const times = await Promise.all(
    [folder, ...files.map((f) => join(folder, f))].map((f) =>
      stat(f).then(
        (s) => s.mtimeMs,
        () => 0,
      ),
    ),
  );
  return Math.max(...times);
}

/**
 * The delivery a run started through the API reads, checked before the answer: a link that cannot
 * run, or a drop folder with nothing waiting, is refused at once (409) and no run id is given.
 */
async function prepareOrRefuse(
  code: string,
  link: Link,
  upload: string | undefined,
  roots: readonly string[],
): Promise<PreparedDelivery> {
  let prepared: PreparedDelivery | undefined;
  try {
    prepared = await prepareDelivery(link, upload, roots);
  } catch (err) {
    if (!(err instanceof AppError) || err.status >= 500) throw err;
    throw new AppError('conflict', `Employer "${code}": the run was not started: ${err.message}`);
  }
  if (!prepared) {
    throw new AppError('conflict', `Employer "${code}": the run was not started: ${noDeliveryMessage(link)}`);
  }
  return prepared;
}

/** A run by id, when the caller reaches its employer (see `reaches`); else 404. */
async function requireRun(db: Db, req: Request, id: string) {
  const run = await findRun(db, id);
  if (!run || !reaches(req.principal, run.employerId)) throw new AppError('not_found', `No sync run ${id}.`);
  return run;
}

/** Sync runs started and inspected through the API. */
export const syncRunRoutes: RouteDef[] = [
  defineRoute({
    method: 'post',
    path: '/api/v1/employers/:code/sync-runs',
    summary:
      'Start a sync run of the employer, optionally with the delivery file as the body. Answers 202 at once, or the report with ?wait=true (dry runs always wait).',
    tag: 'sync',
    access: { capability: 'employers.manage' },
    params: codeParam,
    query: startQuery,
    rawBody: 'application/octet-stream',
    streamBody: true,
    responses: {
      200: { description: 'The run report (wait or dry run)', schema: runReportSchema },
      202: { description: 'Started', schema: z.object({ runId: z.string(), status: z.literal('running') }) },
      404: { description: 'No such employer, or it has no link' },
      409: {
        description:
          'Not started: no delivery is waiting in the drop folder, or the link cannot run (e.g. its mapping file cannot be loaded)',
      },
    },
    handler: async ({ ctx, params, query, req }) => {
      const employer = await requireEmployer(ctx.store.db, req, params.code);
      const link = await findLink(ctx.store.db, employer.id);
      if (!link)
        throw new AppError(
          'not_found',
          `Employer "${params.code}" has no link; PUT one to /api/v1/employers/${params.code}/link first.`,
        );
      const runId = randomUUID();
      const upload = await receiveUpload(req, ctx, runId, query.filename);
      const removeOwnUpload = () => (upload ? removeUpload(runId, upload.dir) : undefined);
      const prepared = await prepareOrRefuse(params.code, link, upload?.file, ctx.config.sourceRoots).catch(
        async (err: unknown) => {
          await removeOwnUpload();
          throw err;
        },
      );
      const actor = actorOf(req.principal);
      const who = `${actor.actorType}:${actor.actorId}`;
      let recorded!: () => void;
      const isRecorded = new Promise<void>((resolve) => (recorded = resolve));
      const running = runDelivery(
        {
          store: ctx.store,
          vault: ctx.vault,
          employerId: employer.id,
          link,
          trigger: 'api',
          runId,
          dryRun: query.dryRun,
          forcedBy: query.force ? who : undefined,
          startedBy: who,
          turn: syncTurn(ctx),
          onRecorded: recorded,
          sourceName: upload && `upload ${upload.name}`,
        },
        prepared,
      ).finally(removeOwnUpload);
      if (query.wait || query.dryRun) return { status: 200, body: runReport(await running) };
      // The run id is given once the run is recorded: from then on it can be looked up.
      await Promise.race([isRecorded, running]);
      running.catch((err: unknown) => log.error('sync run failed', { runId, err }));
      return { status: 202, body: { runId, status: 'running' } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/v1/sync-runs/:id',
    summary:
      'One sync run: status, counts, duration, who started or forced it, and its report with the quarantined records.',
    tag: 'sync',
    access: { capability: 'syncruns.view' },
    params: idParam,
    responses: { 200: { description: 'The run' }, 404: { description: 'No such run' } },
    handler: async ({ ctx, params, req }) => {
      const run = await requireRun(ctx.store.db, req, params.id);
      return { body: { ...run, report: await storedRunReport(ctx.store.db, run) } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/v1/sync-runs/:id/rejects',
    summary: 'The quarantined records of a sync run: source position, field and reason.',
    tag: 'sync',
    access: { capability: 'syncruns.view' },
    params: idParam,
    query: pageQuery,
    responses: { 200: { description: 'Rejected records' }, 404: { description: 'No such run' } },
    handler: async ({ ctx, params, query, req }) => {
      const run = await requireRun(ctx.store.db, req, params.id);
      const rejects = await listRejects(ctx.store.db, run.id, query.limit, query.offset);
      const total = await countRejects(ctx.store.db, run.id);
      return {
        body: {
          runId: run.id,
          records: run.rejected,
          total,
          // A run that applied nothing stored its first problems only; this counts them all.
          problems: Math.max(total, run.counts.problems),
          offset: query.offset,
          rejects,
        },
      };
    },
  }),
];
