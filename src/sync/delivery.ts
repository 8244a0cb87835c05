import { stat } from 'node:fs/promises';
import { AppError } from '../errors.js';
import { listDropFolder, moveDelivery, settledFiles } from '../../connectors/file-source.js';
import { log } from '../log.js';
import { stoppingSignal } from '../shutdown.js';
import type { Store } from '../store/db.js';
import type { Vault } from '../vault/vault.js';
import { assertLinkEmployer } from './employer-check.js';
import { runSync, stoppedRunMessage, type SyncRequest, type SyncResult } from './engine.js';
import type { Link } from './link.js';
import {
  countRecord,
  mappingSpelling,
  startCounts,
  startElementCounts,
  type DeliveryColumns,
} from './columns.js';
import {
  assertMappingWithinRoots,
  assertSourceWithinRoots,
  connectorConfig,
  linkMapping,
} from './link-check.js';
import { elementPaths, mapRecord, readsData, sourceColumns, type Mapping } from './mapping/index.js';
import type { MappingOutcome } from './types.js';

export interface DeliveryRequest extends Pick<
  SyncRequest,
  | 'trigger'
  | 'dryRun'
  | 'forcedBy'
  | 'startedBy'
  | 'runId'
  | 'onProgress'
  | 'deliveryDate'
  | 'turn'
  | 'onRecorded'
  | 'sourceName'
> {
  store: Store;
  vault: Vault;
  employerId: string;
  link: Link;
  /** A delivery file chosen by the caller (CLI `--file`, an upload); otherwise the link's source. */
  file?: string | undefined;
}

/**
 * The delivery's source records, each checked against the link's employer, counted in `columns`,
 * then mapped. `source` is the link's connector with its parsed settings (`connectorConfig`).
 */
async function* mapped(
  link: Link,
  source: ReturnType<typeof connectorConfig>,
  mapping: Mapping,
  next: PreparedDelivery['next'],
  columns: DeliveryColumns,
): AsyncIterable<MappingOutcome> {
  const { connector, config } = source;
  const file = next.file;
  // The file was chosen before the run waited for its turn: a run that had its turn first (a
  // scheduled one, another instance's) may have taken it from the drop folder meanwhile.
  if (next.fromFolder && file && !(await isFile(file))) {
    throw new AppError(
      'conflict',
      `${file} left the drop folder before this run could read it: another run took it. Nothing was applied; the next run takes the next delivery.`,
    );
  }
  for await (const record of connector.read(config, {
    file,
    onColumns: (names) => {
      const keys = mappingSpelling(columns.reads, names);
      startCounts(columns, keys);
      return keys;
    },
  })) {
    assertLinkEmployer(link.employer, record);
    // No header row came before the first record (SIVI XML): count the element paths the mapping reads.
    if (!columns.counts) {
      startElementCounts(columns, elementPaths(mapping));
      columns.guarded = new Set(elementPaths(mapping, readsData).map((p) => p.key));
    }
    countRecord(columns, record.data);
    yield mapRecord(mapping, record);
  }
}

/**
 * The file the next run reads: the chosen one, the link's fixed file, or the oldest waiting in its
 * drop folder that has stopped changing (see `settledFiles`); undefined when none is ready.
 * `source` is the link's source as its connector parsed it (`connectorConfig`).
 */
export async function nextDeliveryFile(
  link: Link,
  source: { folder?: string; settleSeconds?: number },
  chosen?: string,
): Promise<{ file?: string; fromFolder: boolean; waiting: number } | undefined> {
  if (chosen) return { file: chosen, fromFolder: false, waiting: 0 };
  const { folder, settleSeconds } = source;
  if (!folder) return { fromFolder: false, waiting: 0 };
  const { settled, changing } = settledFiles(await listDropFolder(folder), settleSeconds ?? 0);
  if (changing.length > 0) {
    log.info('drop folder files still changing are left for a later run', {
      employer: link.employer.code,
      files: changing.map((f) => f.name),
      settleSeconds,
    });
  }
  if (settled.length === 0) return undefined;
  return { file: settled[0]!.path, fromFolder: true, waiting: settled.length - 1 };
}

/** What a run of a link reads: the connector with its settings, the delivery file and the mapping. */
export interface PreparedDelivery {
  source: ReturnType<typeof connectorConfig>;
  next: { file?: string; fromFolder: boolean; waiting: number };
  mapping: Mapping;
}

/**
 * Everything a run of the link needs before it is recorded: the connector settings, the delivery to
 * read (`chosen`, else the link's source) and the mapping. Undefined when nothing is waiting in the
 * drop folder: nothing to do, and no run. A link that cannot run (settings not valid, mapping file
 * missing or not valid, drop folder unreadable, its source outside `roots` when those are given)
 * throws an AppError that names the problem.
 */
export async function prepareDelivery(
  link: Link,
  chosen?: string,
  roots: readonly string[] = [],
): Promise<PreparedDelivery | undefined> {
  const source = connectorConfig(link);
  const where = `the link of employer ${link.employer.code}`;
  // A file the caller chose (an upload, the CLI's --file) is not the link's source; the mapping is.
  if (!chosen) assertSourceWithinRoots(source.config, roots, where);
  assertMappingWithinRoots(link.mapping, roots, where);
  const next = await nextDeliveryFile(link, source.config as { folder?: string }, chosen);
  if (!next) return undefined;
  return { source, next, mapping: await linkMapping(link) };
}

/** What `prepareDelivery` found nothing for, in words: the drop folder and how long a file must settle. */
export function noDeliveryMessage(link: Link): string {
  const { folder, settleSeconds } = connectorConfig(link).config as {
    folder?: string;
    settleSeconds?: number;
  };
  const settle = settleSeconds
    ? ` (a file is taken once it has not changed for ${settleSeconds} seconds)`
    : '';
  return `No delivery waiting in ${String(folder)}${settle}.`;
}

/**
 * Runs a prepared delivery of a link through connector -> mapping -> engine. A file taken from a drop
 * folder is moved to `processed/` after a completed run and to `failed/` after a run its delivery
 * failed or had rejected; after a tripped guard it stays, so the next (forced) run finds it, and so
 * it does after a run that failed for another reason (stopped by a signal, an internal error).
 */
export async function runDelivery(
  req: Omit<DeliveryRequest, 'file'>,
  prepared: PreparedDelivery,
): Promise<DeliveryResult> {
  const { source, next, mapping } = prepared;
  const columns: DeliveryColumns = {
    reads: sourceColumns(mapping),
    guarded: new Set(sourceColumns(mapping, readsData)),
  };
  const result = await runSync({
    ...req,
    // A drop-folder file whose runs killed their process (out of memory, say) is not read again.
    ...(next.fromFolder && {
      beforeWork: async (runId: string) => {
        if (await sameDeliveryRunsEnded(req, runId, next.file!, 'abandoned')) {
          throw new AppError(
            'validation_failed',
            `The last ${retriesBeforeFailed} runs of this delivery stopped their process before they finished (killed, out of memory, say), so it is not read again and goes to failed/; the deliveries after it can run. Check the file (its size, a record far longer than the others) and deliver it again.`,
          );
        }
      },
    }),
    columns,
    input: mapped(req.link, source, mapping, next, columns),
    sourceName:
      req.sourceName ??
      next.file ??
      (typeof req.link.source.file === 'string' ? req.link.source.file : undefined),
  });
  const out: DeliveryResult = { ...result, ...(next.file ? { file: next.file } : {}), waiting: next.waiting };
  // A run stopped by a signal (a restart) says nothing about the delivery: it never counts.
  const retrying = next.fromFolder && result.retryable && !req.dryRun;
  const givenUp =
    retrying && !stoppingSignal() && (await sameDeliveryRunsEnded(req, result.runId, next.file!, 'failed'));
  const outcome =
    result.status === 'completed'
      ? 'processed'
      : (result.status === 'failed' && (!result.retryable || givenUp)) || result.status === 'rejected'
        ? 'failed'
        : undefined;
  if (retrying) {
    out.message = givenUp
      ? `${out.message ?? ''} It failed ${retriesBeforeFailed + 1} times in a row, so it goes to failed/ and the deliveries after it can run.`.trim()
      : `${out.message ?? ''} The delivery stays in the drop folder.`.trim();
  }
  if (!next.fromFolder || !next.file || req.dryRun || !outcome || !(await isFile(next.file))) return out;
  try {
    const moved = await moveDelivery(next.file, outcome);
    if (outcome === 'failed')
      log.warn('delivery moved to failed', { runId: result.runId, file: moved, status: result.status });
  } catch (err) {
    // The run itself stands (it is committed and recorded); only the file stays where it was.
    log.error('delivery file not moved', { runId: result.runId, file: next.file, outcome, err });
    const again = result.status === 'completed' ? ' (a rerun of it writes nothing)' : '';
    const problem = `The delivery file could not be moved to ${outcome}/ (${(err as Error).message}); it stays in the drop folder and the next run reads it again${again}. Make ${outcome}/ in the drop folder writable.`;
    out.message = result.message ? `${result.message} ${problem}` : problem;
    out.fileNotMoved = true;
  }
  return out;
}

/** Whether `path` is (still) a file. */
const isFile = (path: string): Promise<boolean> =>
  stat(path).then(
    (s) => s.isFile(),
    () => false,
  );

/** How often a drop-folder delivery is read again after runs that failed for another reason. */
const retriesBeforeFailed = 2;

/**
 * Whether the employer's runs before `runId` all ended `status` on this same delivery,
 * `retriesBeforeFailed` times: failed, or abandoned by a process that died running them and no
 * other employer's run (see `alone` below). A file that keeps failing (an internal error its data
 * sets off, a size that runs the process out of memory) would otherwise be read again, as the
 * oldest, by every run, and hold up every delivery after it. Runs stopped by a signal are passed
 * over, and so are runs that started before the file was last written: they read an earlier
 * delivery of the same name (one that went to failed/ itself, say), not this one. (A drop-folder
 * file is read only once it has not changed for `settleSeconds`, which covers a small difference
 * between the clocks of this machine and the database.)
 */
async function sameDeliveryRunsEnded(
  req: Omit<DeliveryRequest, 'file'>,
  runId: string,
  file: string,
  status: 'failed' | 'abandoned',
): Promise<boolean> {
  const written = await stat(file).then(
    (s) => s.mtime,
    () => undefined,
  );
  if (!written) return false;
  const earlier = (await req.store
    .db('sync_runs as r')
    .where({ 'r.employer_id': req.employerId })
    .whereNot({ 'r.id': runId })
    .where('r.started_at', '>=', written)
    .whereRaw(`coalesce(r.message, '') not like ?`, [`${stoppedRunMessage} %`])
    .orderBy('r.started_at', 'desc')
    .limit(retriesBeforeFailed)
    .select(
      'r.status',
      req.store.db.raw(
        'r.source_name is not distinct from (select c.source_name from sync_runs c where c.id = ?) as same',
        [runId],
      ),
      // A process that died with runs of other employers going (or waiting) does not say which
      // delivery killed it: such an abandoned run does not count.
      req.store.db.raw(
        `r.process is not null and not exists (select 1 from sync_runs o where o.process = r.process
           and o.employer_id <> r.employer_id and o.status in ('abandoned', 'running')) as alone`,
      ),
    )) as Array<{ status: string; same: boolean; alone: boolean }>;
  return (
    earlier.length === retriesBeforeFailed &&
    earlier.every((r) => r.status === status && r.same && (status !== 'abandoned' || r.alone))
  );
}

/** A run of one delivery, with the file it read and how many more wait in the drop folder. */
export type DeliveryResult = SyncResult & {
  file?: string;
  waiting: number;
  /** The drop-folder file could not be moved after the run: the next run would read it again. */
  fileNotMoved?: true;
};

/** Prepares and runs one delivery of a link (`prepareDelivery`, `runDelivery`). Undefined: nothing waiting. */
export async function syncDelivery(req: DeliveryRequest): Promise<DeliveryResult | undefined> {
  const prepared = await prepareDelivery(req.link, req.file);
  return prepared && runDelivery(req, prepared);
}
