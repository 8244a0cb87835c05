import { rows, type Trx } from './sql.js';

/**
 * The columns a delivery with a header row (CSV) carried of those its mapping reads. A column left
 * out reads as empty in every record, so an export that loses a column would empty that field (a
 * department, the BSN in the vault) for every employee in the delivery.
 */
export interface DeliveryColumns {
  /** The columns the link's mapping reads. */
  reads: readonly string[];
  /** Those the delivery's header has; undefined until the header is read, or for a delivery without one. */
  present?: string[] | undefined;
}

/** Columns of `reads`, in their order, that the header `names` has. */
export function presentColumns(reads: readonly string[], names: readonly string[]): string[] {
  const header = new Set(names);
  return reads.filter((c) => header.has(c));
}

/**
 * The columns the employer's last completed delivery had, that the mapping still reads and this
 * delivery lacks. Empty for a first delivery, a delivery without a header, or the same layout.
 */
export async function lostColumns(trx: Trx, employerId: string, columns: DeliveryColumns): Promise<string[]> {
  const present = columns.present;
  if (!present) return [];
  const [last] = await rows<{ columns: unknown }>(
    trx,
    `select columns from sync_runs
      where employer_id = ? and status = 'completed' and columns is not null
      order by started_at desc limit 1`,
    [employerId],
  );
  if (!last) return [];
  const before = (typeof last.columns === 'string' ? JSON.parse(last.columns) : last.columns) as string[];
  const now = new Set(present);
  return before.filter((c) => columns.reads.includes(c) && !now.has(c));
}

/** Why a run that lost columns applied nothing, and what the operator can do. */
export function lostColumnsMessage(lost: readonly string[]): string {
  const list = lost.map((c) => `"${c}"`).join(', ');
  const them = lost.length === 1 ? 'column' : 'columns';
  return (
    `The delivery lacks the ${them} ${list} that the last completed delivery had: the fields the mapping ` +
    `reads from ${lost.length === 1 ? 'it' : 'them'} would be emptied for every employee in the delivery. ` +
    `Nothing was applied. Restore the ${them} in the export; if ${lost.length === 1 ? 'it was' : 'they were'} ` +
    `left out on purpose, rerun with --force.`
  );
}
