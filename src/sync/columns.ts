import type { ElementPath } from './mapping/element-paths.js';
import { reachesValue } from './mapping/paths.js';
import { rows, type Trx } from './sql.js';

/**
 * Per mapped column of a delivery's header, or per element path a mapping reads from a delivery
 * without one: in how many records it had a value.
 */
export type ColumnCounts = Record<string, number>;

/**
 * The columns a delivery with a header row (CSV) carried of those its mapping reads, or the element
 * paths its mapping reads from a delivery without one (SIVI XML), with how many records had a value
 * in each. A column left out, or a column or element emptied by a broken export, reads as empty in
 * every record, so it would empty that field (a department, the BSN in the vault) for every
 * employee in the delivery.
 */
export interface DeliveryColumns {
  /** The columns (or, once `elements` is set, the element paths) the link's mapping reads. */
  reads: readonly string[];
  /**
   * Those the delivery's header has, with their counts, or every element path's count; undefined
   * until the header (or, without one, the first record) is read.
   */
  counts?: ColumnCounts | undefined;
  /** Set at the first record of a delivery without a header row: the element paths counted. */
  elements?: readonly ElementPath[] | undefined;
  /**
   * The names whose loss or emptying stops a complete delivery: those read for data of their own.
   * One read only for the previous id of an employment or the date terms hold from (`IdDnstvbndOud`
   * after a renumbering, `IngdatMut` after a change for everyone) may be gone the next day with
   * nothing lost. Undefined: every name read.
   */
  guarded?: ReadonlySet<string> | undefined;
}

/**
 * A column without a value in any record of a complete delivery stops the run when the last
 * completed delivery had values in it in at least this many records, and in at least half of its
 * records. Below that an emptied column is taken as the data: the only employee with an IBAN left,
 * or a sparse column such as a change date (`Ingangsdatum wijziging`) had no entry today.
 */
export const EMPTIED_MIN_RECORDS = 10;

const spelling = (name: string) => name.toLowerCase().replace(/\s+/g, ' ');

/**
 * The header as the mapping spells it: a column named as a mapped column but for upper and lower
 * case or spacing (`bsn`, `Datum  in dienst`) takes the mapping's name, unless the header also has
 * that exact name or a second column would take it too.
 */
export function mappingSpelling(reads: readonly string[], names: readonly string[]): string[] {
  const exact = new Set(names);
  const bySpelling = new Map<string, string>();
  for (const r of reads) if (!exact.has(r)) bySpelling.set(spelling(r), r);
  const takers = new Map<string, number>();
  for (const n of names) {
    const r = bySpelling.get(spelling(n));
    if (r) takers.set(r, (takers.get(r) ?? 0) + 1);
  }
  return names.map((n) => {
    const r = bySpelling.get(spelling(n));
    return r && takers.get(r) === 1 ? r : n;
  });
}

/** Starts the counts of a delivery whose header has `names`: the mapped ones, in mapping order. */
export function startCounts(columns: DeliveryColumns, names: readonly string[]): void {
  const header = new Set(names);
  columns.counts = Object.fromEntries(columns.reads.filter((c) => header.has(c)).map((c) => [c, 0]));
}

/**
 * Starts the counts of a delivery without a header row (SIVI XML), at its first record: every element
 * path the mapping reads, keyed as the mapping writes it (`SofiNr`, `Dnstvbnd/OrgeenhCd`). Only the
 * names the current mapping reads are compared with the last delivery, so after a change of
 * connector the other connector's column names are left alone.
 */
export function startElementCounts(columns: DeliveryColumns, paths: readonly ElementPath[]): void {
  columns.elements = paths;
  columns.reads = paths.map((p) => p.key);
  columns.counts = Object.fromEntries(paths.map((p) => [p.key, 0]));
}

/** Counts the mapped columns with a value in one record. */
export function countValues(counts: ColumnCounts, data: Record<string, unknown>): void {
  for (const c in counts) {
    const v = data[c];
    if (typeof v === 'string' && v !== '' && (v.charCodeAt(0) > 32 || v.trim() !== '')) counts[c]! += 1;
  }
}

/**
 * Counts one record: its mapped columns with a value, or the element paths that reach one (a path
 * in a repeated group, such as `Dnstvbnd/OrgeenhCd`, when any item has it).
 */
export function countRecord(columns: DeliveryColumns, data: Record<string, unknown>): void {
  const { counts, elements } = columns;
  if (!counts) return;
  if (!elements) {
    countValues(counts, data);
    return;
  }
  for (let i = 0; i < elements.length; i++) {
    const path = elements[i]!;
    if (reachesValue(data, path.chain)) counts[path.key]! += 1;
  }
}

export interface ColumnProblems {
  /** What the delivery's values are found by: header columns (CSV), or element paths (SIVI XML). */
  unit: 'column' | 'element';
  /** Columns the last completed delivery had that this one lacks (never elements: XML has no header). */
  lost: string[];
  /** Columns (elements) empty in every record, with how many records had a value last time, of how many. */
  emptied: Array<{ column: string; before: number; of: number }>;
}

/**
 * Compares a delivery's columns (element paths) with the employer's last completed delivery that
 * recorded any: columns the mapping still reads that it lacks, and (`checkEmptied`) columns or
 * element paths without a value in any record that had values before in at least
 * `EMPTIED_MIN_RECORDS` records and half of the records. Only names the current mapping reads are
 * compared.
 */
export async function columnProblems(
  trx: Trx,
  employerId: string,
  columns: DeliveryColumns,
  checkEmptied: boolean,
): Promise<ColumnProblems> {
  const now = columns.counts;
  const unit = columns.elements ? 'element' : 'column';
  if (!now) return { unit, lost: [], emptied: [] };
  const [last] = await rows<{ columns: unknown; records: number | string | null }>(
    trx,
    `select columns, (counts->>'records')::int as records from sync_runs
      where employer_id = ? and status = 'completed' and columns is not null
      order by started_at desc limit 1`,
    [employerId],
  );
  if (!last) return { unit, lost: [], emptied: [] };
  const before = (typeof last.columns === 'string' ? JSON.parse(last.columns) : last.columns) as ColumnCounts;
  const read = new Set(columns.reads);
  const guarded = (c: string) => columns.guarded?.has(c) ?? true;
  const lost = Object.keys(before).filter((c) => read.has(c) && !(c in now) && guarded(c));
  const records = Number(last.records ?? 0);
  const emptied = checkEmptied
    ? Object.entries(before)
        .filter(([c, n]) => now[c] === 0 && guarded(c) && n >= EMPTIED_MIN_RECORDS && n * 2 >= records)
        .map(([column, n]) => ({ column, before: n, of: records }))
    : [];
  return { unit, lost, emptied };
}

/** Why a run with column problems applied nothing, and what the operator can do. */
export function columnProblemsMessage({ unit, lost, emptied }: ColumnProblems): string {
  const quoted = (names: string[]) => names.map((c) => `"${c}"`).join(', ');
  const noun = (n: number) => (n === 1 ? unit : `${unit}s`);
  const parts: string[] = [];
  if (lost.length > 0) {
    parts.push(
      `The delivery lacks the ${noun(lost.length)} ${quoted(lost)} that the last completed delivery had`,
    );
  }
  if (emptied.length > 0) {
    const counts = emptied.map((e) => `"${e.column}" in ${e.before} of ${e.of}`).join(', ');
    parts.push(
      `${lost.length > 0 ? 'it' : 'The delivery'} has no value in any record in the ${noun(emptied.length)} ` +
        `${quoted(emptied.map((e) => e.column))}, which had values in the last completed delivery (${counts} records)`,
    );
  }
  return (
    `${parts.join(', and ')}: the fields the mapping reads from ${lost.length + emptied.length === 1 ? 'it' : 'them'} ` +
    `would be emptied for every employee in the delivery. Nothing was applied. Correct the export; if this ` +
    `is on purpose, rerun with --force.`
  );
}
