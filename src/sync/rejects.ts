import { isStorableText } from '../domain/text.js';
import { redactText } from '../log.js';
import type { StoreKind } from '../store/db.js';
import { bulkLoad, exec, rows, type Trx } from './sql.js';

/** One quarantined problem: where in the delivery, which field, and why (never a BSN). */
export interface Reject {
  position: string;
  field: string;
  reason: string;
}

/**
 * The most problems a run's report lists (`sync --json`, the API, `runs show`); the rest are
 * counted (`moreRejects`) and read page by page from the stored run.
 */
export const reportedRejectsLimit = 10_000;

/** Problems held in memory before they are written to the run's table. */
const WRITE_EVERY = 2_500;

/**
 * The quarantined problems of a run. A delivery can have a problem in every record (a mapping that
 * reads the wrong column, say): they go to a table of the run's transaction as they come, and only
 * the first `reportedRejectsLimit` stay in memory for the report. A completed run stores them all
 * with its data; a run that applies nothing (its transaction rolled back) stores the first ones.
 * Positions and reasons quote the delivery: BSN-like numbers are redacted before anything is kept.
 */
export class RunRejects {
  /** The first problems, in delivery order. */
  readonly first: Reject[] = [];
  private pending: unknown[][] = [];
  private held: unknown[][] = [];
  private heldEmployments: unknown[][] = [];
  private added = 0;
  private records = 0;
  private lastPosition: string | undefined;

  private constructor(
    private readonly trx: Trx,
    private readonly kind: StoreKind,
  ) {}

  static async open(trx: Trx, kind: StoreKind): Promise<RunRejects> {
    await exec(
      trx,
      `create temp table run_rejects (seq int not null, position text not null, field text not null,
         reason text not null) on commit drop`,
    );
    // Keys of rejected records: a complete delivery must not end those employees as missing.
    await exec(trx, `create temp table stg_held (emp_key text not null) on commit drop`);
    // Employment ids of rejected records: another record giving the same one is left out too.
    await exec(
      trx,
      `create temp table stg_held_emp (external_id text not null, rec int not null, position text not null)
       on commit drop`,
    );
    return new RunRejects(trx, kind);
  }

  /** How many problems there are in all. */
  get total(): number {
    return this.added;
  }

  /** Whether enough problems wait to be written (`write`). */
  get full(): boolean {
    return this.pending.length + this.held.length + this.heldEmployments.length >= WRITE_EVERY;
  }

  /**
   * A reason can quote a value of the delivery (`Geslacht "..." is not a known gender code`). A BSN
   * in the wrong column would then be stored and shown in clear: BSN-like numbers are redacted.
   */
  add(reject: Reject): void {
    const safe: Reject = {
      position: redactText(reject.position),
      field: reject.field,
      reason: redactText(reject.reason),
    };
    this.added += 1;
    // A record's problems come one after the other (mapping, staging, duplicates alike).
    if (safe.position !== this.lastPosition) this.records += 1;
    this.lastPosition = safe.position;
    if (this.first.length < reportedRejectsLimit) this.first.push(safe);
    this.pending.push([this.added, safe.position, safe.field, safe.reason]);
  }

  /**
   * Keeps the employee of a rejected record (its key, when the record had one) from being ended. A
   * key the store cannot hold (a NUL character) is no stored employee's either.
   */
  hold(key: string | undefined): void {
    if (key && isStorableText(key)) this.held.push([key]);
  }

  /** Keeps the employment ids a rejected record (number `rec` of the delivery) gives. */
  holdEmployments(ids: readonly string[] | undefined, rec: number, position: string): void {
    for (const id of ids ?? [])
      if (isStorableText(id)) this.heldEmployments.push([id, rec, redactText(position)]);
  }

  /** Writes the problems and held keys added since the last call to the run's tables. */
  async write(): Promise<void> {
    const data = this.pending;
    const held = this.held;
    const heldEmployments = this.heldEmployments;
    this.pending = [];
    this.held = [];
    this.heldEmployments = [];
    await bulkLoad(this.trx, this.kind, 'run_rejects', ['seq', 'position', 'field', 'reason'], data);
    await bulkLoad(this.trx, this.kind, 'stg_held', ['emp_key'], held);
    await bulkLoad(this.trx, this.kind, 'stg_held_emp', ['external_id', 'rec', 'position'], heldEmployments);
  }

  /**
   * Adds the rows of a query (`position, field, reason`, in delivery order), read through a cursor of
   * the transaction so that no more than one page is in memory.
   */
  async addQuery(sql: string): Promise<void> {
    await exec(this.trx, `declare run_reject_rows no scroll cursor for ${sql}`);
    for (;;) {
      const page = await rows<Reject>(this.trx, `fetch forward ${WRITE_EVERY} from run_reject_rows`);
      for (const r of page) this.add(r);
      await this.write();
      if (page.length < WRITE_EVERY) break;
    }
    await exec(this.trx, `close run_reject_rows`);
  }

  /** How many records have a problem (a record can have several). */
  get rejectedRecords(): number {
    return this.records;
  }

  /** Stores every problem with the run (inside the run's transaction, when it completes). */
  async store(runId: string): Promise<void> {
    await this.write();
    await exec(
      this.trx,
      `insert into sync_rejections (run_id, position, field, reason)
       select ?, position, field, reason from run_rejects order by seq`,
      [runId],
    );
  }
}
