import { z } from 'zod';
import { processName } from '../process-name.js';
import { redactText } from '../log.js';
import type { Db } from '../store/db.js';
import { inTransaction } from '../store/db.js';
import type { ColumnCounts } from './columns.js';
import type { Notice } from './notices.js';
import type { Reject } from './rejects.js';
import { WAITING_BEAT_MS, type RunProgress } from './progress.js';

export const runStatuses = [
  'running',
  'completed',
  'guard_tripped',
  'failed',
  'rejected',
  'busy',
  'abandoned',
] as const;
export type RunStatus = (typeof runStatuses)[number];
export type RunTrigger = 'cli' | 'api' | 'schedule';

export const runCountsSchema = z.object({
  records: z.number(),
  created: z.number(),
  updated: z.number(),
  unchanged: z.number(),
  ended: z.number(),
  rejected: z.number(),
  /** Quarantined problems in all (a record can have several); a run that applied nothing stores the first 10,000. */
  problems: z.number(),
  rowsWritten: z.number(),
  currentEmployees: z.number(),
  departments: z.object({
    created: z.number(),
    updated: z.number(),
    archived: z.number(),
    reactivated: z.number(),
  }),
});
export type RunCounts = z.infer<typeof runCountsSchema>;

export function emptyCounts(): RunCounts {
  return {
    records: 0,
    created: 0,
    updated: 0,
    unchanged: 0,
    ended: 0,
    rejected: 0,
    problems: 0,
    rowsWritten: 0,
    currentEmployees: 0,
    departments: { created: 0, updated: 0, archived: 0, reactivated: 0 },
  };
}

export interface RunRecord {
  id: string;
  employerId: string;
  employerCode: string;
  trigger: RunTrigger;
  connector: string;
  delivery: 'complete' | 'mutations';
  sourceName: string | null;
  status: RunStatus;
  message: string | null;
  counts: RunCounts;
  rejected: number;
  forcedBy: string | null;
  /**
   * The mapped columns a delivery with a header row carried, or the element paths its mapping reads
   * from a delivery without one (SIVI), each with the number of records that had a value in it
   * (null: not read).
   */
  columns: ColumnCounts | null;
  /** What the operator should know that stopped no record (conflicting department names, say). */
  notices: Notice[];
  startedBy: string | null;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  /**
   * While the run goes (PostgreSQL): its phase and the records read so far, as last written (at most
   * 5 seconds old); null once it has ended, and on the embedded store.
   */
  progress: RunProgress | null;
}

interface RunRow {
  id: string;
  employer_id: string;
  employer_code: string;
  trigger: RunTrigger;
  connector: string;
  delivery: 'complete' | 'mutations';
  source_name: string | null;
  status: RunStatus;
  message: string | null;
  counts: unknown;
  rejected: number;
  forced_by: string | null;
  columns: unknown;
  notices: unknown;
  started_by: string | null;
  started_at: Date;
  finished_at: Date | null;
  duration_ms: number | null;
  progress: unknown;
}

function toRun(r: RunRow): RunRecord {
  const counts = typeof r.counts === 'string' ? JSON.parse(r.counts) : r.counts;
  return {
    id: r.id,
    employerId: r.employer_id,
    employerCode: r.employer_code,
    trigger: r.trigger,
    connector: r.connector,
    delivery: r.delivery,
    sourceName: r.source_name,
    status: r.status,
    message: r.message,
    counts: { ...emptyCounts(), ...(counts as Partial<RunCounts>) },
    rejected: r.rejected,
    forcedBy: r.forced_by,
    columns: (typeof r.columns === 'string' ? JSON.parse(r.columns) : r.columns) as ColumnCounts | null,
    notices: ((typeof r.notices === 'string' ? JSON.parse(r.notices) : r.notices) ?? []) as Notice[],
    startedBy: r.started_by,
    startedAt: new Date(r.started_at).toISOString(),
    finishedAt: r.finished_at ? new Date(r.finished_at).toISOString() : null,
    durationMs: r.duration_ms,
    progress:
      r.status === 'running'
        ? ((typeof r.progress === 'string' ? JSON.parse(r.progress) : r.progress) as RunProgress | null)
        : null,
  };
}

/** Records the start of a run (committed at once, so it is visible while it runs). */
export async function insertRun(
  db: Db,
  run: {
    id: string;
    employerId: string;
    trigger: RunTrigger;
    connector: string;
    delivery: 'complete' | 'mutations';
    sourceName?: string | undefined;
    startedBy?: string | undefined;
  },
): Promise<void> {
  await db('sync_runs').insert({
    id: run.id,
    employer_id: run.employerId,
    trigger: run.trigger,
    connector: run.connector,
    delivery: run.delivery,
    source_name: run.sourceName ?? null,
    started_by: run.startedBy ?? null,
    status: 'running',
    process: processName,
  });
}

/** Records how a run ended, with its quarantined records. */
export async function finishRun(
  db: Db,
  runId: string,
  result: {
    status: RunStatus;
    message?: string | undefined;
    counts: RunCounts;
    rejects: readonly Reject[];
    notices?: readonly Notice[] | undefined;
    forcedBy?: string | undefined;
    /** The mapped columns (element paths) the delivery carried, with their counts (`DeliveryColumns`). */
    columns?: ColumnCounts | undefined;
    durationMs: number;
  },
): Promise<void> {
  await inTransaction(db, async (trx) => {
    await trx('sync_runs')
      .where({ id: runId })
      .update({
        status: result.status,
        message: result.message ?? null,
        counts: JSON.stringify(result.counts),
        rejected: result.counts.rejected,
        forced_by: result.forcedBy ?? null,
        columns: result.columns ? JSON.stringify(result.columns) : null,
        notices: result.notices?.length ? JSON.stringify(result.notices) : null,
        finished_at: trx.fn.now(),
        duration_ms: Math.round(result.durationMs),
        progress: null,
      });
    for (let i = 0; i < result.rejects.length; i += 1000) {
      await trx('sync_rejections').insert(
        result.rejects.slice(i, i + 1000).map((r) => ({ run_id: runId, ...r })),
      );
    }
  });
}

/**
 * Records a run that failed before it read anything (the link could not run: its mapping file
 * cannot be loaded, say), so it shows in the employer's runs like any other.
 */
export async function recordFailedRun(
  db: Db,
  run: Parameters<typeof insertRun>[1],
  message: string,
): Promise<void> {
  await insertRun(db, run);
  await finishRun(db, run.id, {
    status: 'failed',
    message: redactText(message),
    counts: emptyCounts(),
    rejects: [],
    durationMs: 0,
  });
}

/**
 * Runs recorded by this process that have not ended: waiting for their turn, or going. On the
 * embedded store a waiting run cannot say so in its record (the run going holds the one
 * connection), and one process alone uses that store.
 */
export const runsOfThisProcess = new Set<string>();

/** Namespace of the advisory locks that keep one run per employer at a time across instances. */
const LOCK_NAMESPACE = 0x4b50_5359; // "KPSY"

/** Takes the employer's run lock for the transaction `trx`; false when another run holds it. */
export async function tryRunLock(trx: Db, employerId: string): Promise<boolean> {
  const result = await trx.raw(`select pg_try_advisory_xact_lock(?, hashtext(?)) as locked`, [
    LOCK_NAMESPACE,
    employerId,
  ]);
  return (result.rows as Array<{ locked: boolean }>)[0]!.locked;
}

/**
 * Before a run does its work: in a transaction of its own that holds the employer's run lock (so
 * none of them is going), the runs a stopped process left `running` are marked abandoned. Done
 * first, it holds when this run fails, trips the guard or stops its process too.
 */
export async function tidyStaleRuns(db: Db, employerId: string, runId: string): Promise<void> {
  await inTransaction(db, async (trx) => {
    if (await tryRunLock(trx, employerId)) await abandonStaleRuns(trx, employerId, runId);
  });
}

/**
 * Marks runs of an employer that were left `running` by a process that stopped as abandoned: those
 * recorded before `runId`. A run recorded after it may be waiting for its turn, and so may one
 * recorded before it on another instance: such a run says so (`waiting`, every 30 seconds on
 * PostgreSQL) and is left alone while it does, as are the runs of this process.
 */
async function abandonStaleRuns(db: Db, employerId: string, runId: string): Promise<void> {
  await db('sync_runs')
    .where({ employer_id: employerId, status: 'running' })
    .whereNot({ id: runId })
    .whereNotIn('id', [...runsOfThisProcess])
    .whereRaw('started_at < (select started_at from sync_runs where id = ?)', [runId])
    .whereRaw(
      `not (coalesce(progress->>'phase', '') = 'waiting'
            and (progress->>'at')::timestamptz > now() - make_interval(secs => ?))`,
      [(4 * WAITING_BEAT_MS) / 1000],
    )
    .update({
      status: 'abandoned',
      message: 'the process running it stopped before it finished; nothing was applied',
      finished_at: db.fn.now(),
    });
}

const runSelect = (db: Db) =>
  db('sync_runs as r')
    .join('employers as e', 'e.id', 'r.employer_id')
    .select('r.*', 'e.code as employer_code');

export async function findRun(db: Db, runId: string): Promise<RunRecord | undefined> {
  const row = (await runSelect(db).where('r.id', runId).first()) as RunRow | undefined;
  return row && toRun(row);
}

/** The latest runs of an employer, newest first. */
export async function listRuns(db: Db, employerId: string, limit = 50): Promise<RunRecord[]> {
  const rs = (await runSelect(db)
    .where('r.employer_id', employerId)
    .orderBy('r.started_at', 'desc')
    .limit(limit)) as RunRow[];
  return rs.map(toRun);
}

/** The quarantined records of a run, in delivery order. */
export async function listRejects(db: Db, runId: string, limit = 10_000, offset = 0): Promise<Reject[]> {
  return (await db('sync_rejections')
    .where({ run_id: runId })
    .orderBy('id')
    .limit(limit)
    .offset(offset)
    .select('position', 'field', 'reason')) as Reject[];
}

/** How many problems were quarantined for a run. */
export async function countRejects(db: Db, runId: string): Promise<number> {
  const row = (await db('sync_rejections').where({ run_id: runId }).count({ n: '*' }).first()) as
    { n: number | string } | undefined;
  return Number(row?.n ?? 0);
}
