import { randomUUID } from 'node:crypto';
import { AppError } from '../errors.js';
import { todayIn } from '../domain/dates.js';
import { log, redactText } from '../log.js';
import { stoppingSignal } from '../shutdown.js';
import type { Store } from '../store/db.js';
import { auditEvent } from '../store/audit.js';
import type { Vault } from '../vault/vault.js';
import type { Turn } from '../jobs/limit.js';
import { columnProblems, columnProblemsMessage, type DeliveryColumns } from './columns.js';
import { applyDepartments, archiveMissingDepartments, findCycleAfterDelivery } from './departments.js';
import { rejectDuplicates } from './duplicates.js';
import { keepStoredParents, stageDepartments } from './delivered-departments.js';
import { releaseIdentifiers } from './identifiers.js';
import { applyEmployees, planEmployees, refreshInService } from './employees.js';
import { applyEmployments } from './employments.js';
import { announceEndedEmployments, createEndedEmployments } from './hooks.js';
import { rekeyCorrectedStarts, rekeyRehired, rekeyRenumbered, rekeyRevertedRehires } from './rekey.js';
import type { Link } from './link.js';
import { applyMissing, planMissing } from './missing.js';
import {
  emptyCounts,
  finishRun,
  insertRun,
  runsOfThisProcess,
  tidyStaleRuns,
  tryRunLock,
  type RunCounts,
  type RunStatus,
  type RunTrigger,
} from './runs.js';
import { count, exec, type Trx } from './sql.js';
import { stageDelivery } from './stage.js';
import { RunRejects, type Reject } from './rejects.js';
import { stopWithSignals } from './stop.js';
import { progressWriter, WAITING_BEAT_MS } from './progress.js';
import type { Notice } from './notices.js';
import type { MappingOutcome } from './types.js';

export interface SyncRequest {
  store: Store;
  vault: Vault;
  employerId: string;
  link: Link;
  input: AsyncIterable<MappingOutcome>;
  trigger: RunTrigger;
  /** Calendar date of the delivery (end date of employments missing from a complete one); default today. */
  deliveryDate?: string | undefined;
  dryRun?: boolean | undefined;
  /** Who forces a run past the guard (recorded with the run); undefined means the guard applies. */
  forcedBy?: string | undefined;
  startedBy?: string | undefined;
  sourceName?: string | undefined;
  /** Pre-assigned run id (the API returns it before the run ends). */
  runId?: string | undefined;
  /**
   * Waits for a turn of the instance's sync runs before the run takes its database connection; the
   * run is recorded (`running`) meanwhile. Without it the run starts at once.
   */
  turn?: Turn | undefined;
  /**
   * Called when the run has its turn, once the runs a stopped process left were marked abandoned and
   * before the run reads anything (not for dry runs); it refuses the run by throwing an AppError.
   */
  beforeWork?: ((runId: string) => Promise<void>) | undefined;
  /** Called once the run is recorded (`running`), so its id can be looked up; not for dry runs. */
  onRecorded?: (() => void) | undefined;
  /** The mapped columns of a delivery (element paths, without a header row), counted as it is read. */
  columns?: DeliveryColumns | undefined;
  onProgress?: ((phase: string, records: number) => void) | undefined;
}

export interface SyncResult {
  runId: string;
  status: Exclude<RunStatus, 'running' | 'abandoned'>;
  message?: string | undefined;
  delivery: Link['delivery'];
  dryRun: boolean;
  counts: RunCounts;
  /** The first problems (at most `reportedRejectsLimit`); `moreRejects` counts the rest. */
  rejects: Reject[];
  moreRejects: number;
  notices: Notice[];
  durationMs: number;
  /**
   * The run failed for a reason other than its delivery (stopped by a signal, an internal error such
   * as a lost database connection): the same delivery can run again as it is.
   */
  retryable?: true;
}

class StopRun extends Error {
  constructor(
    readonly status: SyncResult['status'],
    readonly reason?: string,
  ) {
    super(reason ?? status);
  }
}

function keyLabel(key: Link['key']): string {
  return key === 'personnelNumber' ? 'personnel number' : 'source id';
}

/** How the message of a run stopped by a signal (SIGINT, SIGTERM) begins. */
export const stoppedRunMessage = 'The run was stopped by';

/**
 * The message recorded with a run that failed, and logged: a problem with the delivery or the link
 * says what and where, for the operator; an internal error (database, code) stays in the log.
 */
export function failedRunMessage(err: unknown, runId: string, employer: string): string {
  if (err instanceof AppError && (err.status < 500 || err.code === 'unavailable')) {
    log.warn('sync run failed', { runId, employer, reason: err.message });
    return `The run failed and nothing was applied: ${err.message}`;
  }
  log.error('sync run failed', { runId, employer, err });
  return `The run failed and nothing was applied: an internal error occurred (logged under run ${runId}).`;
}

/**
 * One sync run: stage -> plan -> guard -> apply, all inside one transaction holding the employer's
 * advisory lock (released by PostgreSQL when the connection ends, so a crashed run never blocks).
 * Dry runs and tripped guards roll the transaction back; the run record is written separately.
 */
export async function runSync(req: SyncRequest): Promise<SyncResult> {
  const started = performance.now();
  const runId = req.runId ?? randomUUID();
  const dryRun = Boolean(req.dryRun);
  const date = req.deliveryDate ?? todayIn();
  const { link, employerId } = req;
  const report = req.onProgress;
  const progress = dryRun ? undefined : progressWriter(req.store, runId);
  req = {
    ...req,
    onProgress: (phase, records) => {
      log.debug('sync progress', { runId, phase, records });
      progress?.(phase, records);
      report?.(phase, records);
    },
  };
  const counts = emptyCounts();
  let problems: RunRejects | undefined;
  let notices: Notice[] = [];
  if (!dryRun) {
    runsOfThisProcess.add(runId);
    try {
      await insertRun(req.store.db, {
        id: runId,
        employerId,
        trigger: req.trigger,
        connector: link.connector,
        delivery: link.delivery,
        sourceName: req.sourceName && redactText(req.sourceName),
        startedBy: req.startedBy,
      });
    } catch (err) {
      runsOfThisProcess.delete(runId);
      throw err;
    }
    req.onRecorded?.();
  }
  let status: SyncResult['status'] = 'completed';
  let message: string | undefined;
  let retryable = false;
  const stop = stopWithSignals(req.store);
  let waiting: NodeJS.Timeout | undefined;
  try {
    const turn: Turn = req.turn ?? ((task) => task());
    // While it waits for its turn, the run says so now and then: another instance's run of the
    // employer that has its turn meanwhile does not take it for one whose process stopped.
    req.onProgress?.('waiting', 0);
    waiting = setInterval(() => req.onProgress?.('waiting', 0), WAITING_BEAT_MS);
    waiting.unref();
    await turn(async () => {
      clearInterval(waiting);
      if (!dryRun) {
        await tidyStaleRuns(req.store.db, employerId, runId);
        await req.beforeWork?.(runId);
      }
      // The data key is created (and committed) before the run's transaction, so a rolled-back run
      // never caches a lost key; one the vault keys cannot open fails the recorded run.
      await req.vault.dataKey(employerId);
      return req.store.db.transaction(async (trx) => {
        await stop.attach(trx);
        if (!(await tryRunLock(trx, employerId))) {
          throw new StopRun(
            'busy',
            `A sync run for employer ${link.employer.code} is already going; this one did not start.`,
          );
        }
        await applyRun(trx, req, runId, date, counts, (r, n) => {
          problems = r;
          notices = n;
        });
        if (dryRun) throw new StopRun('completed');
        await auditEvent(trx, {
          actor: { type: 'sync', id: runId },
          employerId,
          action: 'sync.completed',
          entity: { type: 'sync_run', id: runId },
          details: { delivery: link.delivery, forcedBy: req.forcedBy ?? null, counts },
        });
        await problems?.store(runId);
        await finishRun(trx, runId, {
          status: 'completed',
          counts,
          rejects: [],
          notices,
          forcedBy: req.forcedBy,
          columns: req.columns?.counts,
          durationMs: performance.now() - started,
        });
      });
    });
  } catch (err) {
    clearInterval(waiting);
    status = err instanceof StopRun ? err.status : 'failed';
    const signal = stoppingSignal();
    retryable =
      status === 'failed' && (signal !== undefined || !(err instanceof AppError && err.status < 500));
    if (signal && status === 'failed') {
      message = `${stoppedRunMessage} ${signal} and nothing was applied; the next run reads the delivery again.`;
    } else {
      message = err instanceof StopRun ? err.reason : failedRunMessage(err, runId, link.employer.code);
    }
  }
  const durationMs = performance.now() - started;
  if (problems) {
    counts.rejected = problems.rejectedRecords;
    counts.problems = problems.total;
  }
  // A run that applied nothing stores the first problems: its table went with the transaction.
  const rejects = problems?.first ?? [];
  const moreRejects = problems ? problems.total - rejects.length : 0;
  // The message can quote the delivery (a header row that was a record, say): no BSN in it either.
  message = message && redactText(message);
  try {
    if (!dryRun && status !== 'completed') {
      const ended = { status, message, counts, rejects, notices, columns: req.columns?.counts, durationMs };
      try {
        await finishRun(req.store.db, runId, ended);
      } catch (err) {
        // The run is recorded as ended without its problems rather than left `running`: the
        // operator still sees its message and counts, and the log says why the problems are missing.
        log.error('sync run recorded without its problems', { runId, err });
        await finishRun(req.store.db, runId, { ...ended, rejects: [], notices: [] });
      }
    }
  } finally {
    stop.done();
    runsOfThisProcess.delete(runId);
  }
  log.info('sync run finished', {
    runId,
    employer: link.employer.code,
    status,
    dryRun,
    ...counts,
    durationMs: Math.round(durationMs),
  });
  return {
    runId,
    status,
    message,
    delivery: link.delivery,
    dryRun,
    counts,
    rejects,
    moreRejects,
    notices,
    durationMs,
    ...(retryable ? { retryable: true as const } : {}),
  };
}

async function applyRun(
  trx: Trx,
  req: SyncRequest,
  runId: string,
  date: string,
  counts: RunCounts,
  setProblems: (rejects: RunRejects, notices: Notice[]) => void,
): Promise<void> {
  const { link, employerId } = req;
  await exec(trx, `create temp table touched (employee_id uuid primary key) on commit drop`);
  await createEndedEmployments(trx);
  const rejects = await RunRejects.open(trx, req.store.kind);
  // Notices quote the delivery (department names, employment ids): no BSN in a notice either.
  const notices: Notice[] = [];
  const notice = (list: Notice[]) =>
    notices.push(
      ...list.map((n) => ({ ...n, position: redactText(n.position), message: redactText(n.message) })),
    );
  // Known from the start, so a run that fails on the way records the problems found until then.
  setProblems(rejects, notices);
  const staged = await stageDelivery(
    {
      trx,
      kind: req.store.kind,
      vault: req.vault,
      employerId,
      key: link.key,
      connector: link.connector,
      onProgress: (n) => req.onProgress?.('staging', n),
    },
    req.input,
    rejects,
  );
  const key = {
    employerId,
    column: link.key === 'personnelNumber' ? ('personnel_number' as const) : ('remote_id' as const),
    label: keyLabel(link.key),
  };
  await rejectDuplicates(trx, key, rejects, date);
  // The departments of the records that are left: a rejected record changes none.
  notice(await stageDepartments(trx));
  if (link.delivery === 'mutations') await keepStoredParents(trx, employerId);
  counts.records = staged.records;
  counts.rejected = rejects.rejectedRecords;
  counts.problems = rejects.total;
  // Every guard that trips is reported at once: --force overrides them all.
  const stops: string[] = [];
  if (req.columns && !req.forcedBy) {
    // Emptied columns (elements) count in complete deliveries only: a mutation file of a few records
    // may well have no phone number in any; a complete one without records is the deletion guard's.
    const emptiedCounts = link.delivery === 'complete' && staged.records > 0;
    const problems = await columnProblems(trx, employerId, req.columns, emptiedCounts);
    if (problems.lost.length + problems.emptied.length > 0) stops.push(columnProblemsMessage(problems));
  }
  req.onProgress?.('planning', staged.records);
  const renumbered = await rekeyRenumbered(trx, employerId);
  const reverted = await rekeyRevertedRehires(trx, employerId, runId, date);
  const rehired = await rekeyRehired(trx, employerId, runId);
  notice([...reverted.notices, ...rehired.notices]);
  // The same employment rows get their corrected dates when applied: counted there.
  if (link.delivery === 'complete') await rekeyCorrectedStarts(trx, employerId, date);
  const planned = await planEmployees(trx);
  counts.created = planned.created;
  if (link.delivery === 'complete') {
    const missing = await planMissing(trx, employerId, date, key.column);
    counts.currentEmployees = missing.current;
    counts.ended = missing.ended;
    const share = missing.current > 0 ? missing.ended / missing.current : 0;
    if (share > link.guard && missing.ended > link.guardAllowance && !req.forcedBy) {
      const allowance =
        link.guardAllowance > 0 ? ` and more than the ${link.guardAllowance} the link always allows` : '';
      stops.push(
        `The complete delivery would end the employment of ${missing.ended} of ${missing.current} current employees ` +
          `(${(share * 100).toFixed(1)}%), more than the guard of ${(link.guard * 100).toFixed(1)}%${allowance}. Nothing was applied. ` +
          `Check that the delivery is complete; to apply it anyway, rerun with --force.`,
      );
    }
  }
  const cycle = await findCycleAfterDelivery(trx, employerId);
  if (cycle && stops.length > 0) throw new StopRun('guard_tripped', stops.join(' '));
  if (cycle) {
    throw new StopRun(
      'rejected',
      `The delivery makes the department tree circular (${cycle.join(' > ')}). Nothing was applied; correct the parent departments at the source.`,
    );
  }
  req.onProgress?.('applying', staged.records);
  const departments = await applyDepartments(trx, employerId);
  const released = await releaseIdentifiers(trx, key, runId);
  notice(released.notices);
  let written = departments.written + renumbered + reverted.written + rehired.written + released.written;
  written += await applyEmployees(trx, employerId, link.connector, date);
  const employments = await applyEmployments(trx, employerId, date, link.delivery === 'complete', runId);
  written += employments.written;
  notice(employments.notices);
  let archived = 0;
  if (link.delivery === 'complete') {
    const missing = await applyMissing(trx, employerId, runId, date);
    written += missing.written;
    notice(missing.notices);
    archived = await archiveMissingDepartments(trx, employerId, date);
    written += archived;
  }
  await announceEndedEmployments(trx, runId, date);
  written += await refreshInService(trx, employerId, date);
  const persons = await count(trx, `select count(*) as n from plan_person`);
  counts.updated = await count(
    trx,
    `select count(*) as n from touched t join plan_person p using (employee_id)`,
  );
  counts.unchanged = persons - counts.created - counts.updated;
  counts.departments = { ...departments.counts, archived };
  counts.rowsWritten = written;
  // A tripped guard applies nothing: the run's transaction is rolled back, as a dry run's is, after
  // the plan was carried out in it, so the report counts what the delivery would change.
  if (stops.length > 0) {
    counts.rowsWritten = 0;
    throw new StopRun('guard_tripped', stops.join(' '));
  }
}
