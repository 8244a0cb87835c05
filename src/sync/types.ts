import type { z } from 'zod';
import type { VaultFields } from '../vault/fields.js';

/**
 * Contracts between the sync engine, connectors and mappings. Connectors yield source records;
 * a mapping turns one into a candidate (or problems); the engine validates, stages, plans and applies.
 */

/** One record as a connector read it, with where it came from (for error messages). */
export interface SourceRecord {
  /** `file.csv:12` (line of the record's first line) or `file.xml:/Dienstverbanden/Wrkgvr/Wrknmr[3]` (with line). */
  position: string;
  /** Field values by source path: CSV header names, or XML element paths relative to the record. */
  data: Record<string, unknown>;
  /**
   * Problems the connector found in this record itself (e.g. a CSV line with the wrong number of
   * columns). `mapRecord` turns a record with problems into a rejection; the rest of the file goes on.
   */
  problems?: FieldProblem[] | undefined;
  /**
   * The values may stand under the wrong names (a CSV line with more or fewer columns than the
   * header): one column's value, a phone number or a street, could be read as another's. Only the
   * record's own `problems` are reported, none that would quote a value.
   */
  shifted?: true | undefined;
  /** Every value of a shifted line, in its order: any of them may be the record's key. */
  cells?: readonly string[] | undefined;
}

export interface ReadOptions {
  /** A delivery file chosen by the caller instead of the one the settings name. */
  file?: string | undefined;
  signal?: AbortSignal | undefined;
  /**
   * Called once, before the first record, with the column names of a delivery that has a header
   * (CSV). A column missing from the header is then told apart from an empty value. Names it
   * returns (one per column) key the records instead: the spelling the mapping uses.
   */
  onColumns?: ((names: readonly string[]) => readonly string[] | void) | undefined;
}

/** A connector reads one source system's delivery as an async stream of source records. */
export interface Connector<C = unknown> {
  /** Connector name as used in employer link files (`csv`, `sivi`, ...). */
  name: string;
  /** Settings schema; secret fields carry `.describe('secret')` and are never logged or echoed. */
  configSchema: z.ZodType<C>;
  /** Cheap check that the source can be reached / read, with a message a person can act on. */
  check(config: C): Promise<{ ok: boolean; message: string }>;
  /** Streams the records of one delivery; never loads a whole file into memory. */
  read(config: C, options?: ReadOptions): AsyncIterable<SourceRecord>;
}

/** A problem with one field of one record, in words a person understands (never containing a BSN). */
export interface FieldProblem {
  field: string;
  reason: string;
}

export interface CandidateDepartment {
  code: string;
  name?: string | undefined;
  parentCode?: string | undefined;
}

export interface CandidateEmployment {
  /** The employment's own id in the source (SIVI `IdDnstvbnd`); falls back to personnel number + start. */
  externalId: string;
  /** The id the source gave the employment before it renumbered it (SIVI `IdDnstvbndOud`). */
  previousExternalId?: string | undefined;
  startDate: string;
  endDate?: string | undefined;
  endReason?: string | undefined;
  /**
   * Date from which the terms below hold (SIVI `IngdatMut`). Without it: the start date for a new
   * employment, the delivery date for changed terms of an existing one.
   */
  validFrom?: string | undefined;
  departmentCode?: string | undefined;
  functionCode?: string | undefined;
  functionName?: string | undefined;
  contractType?: 'B' | 'O' | undefined;
  hoursPerWeek?: number | undefined;
  normalHoursPerWeek?: number | undefined;
  noRiskPolicy?: boolean | undefined;
}

export interface CandidateEmployee {
  personnelNumber: string;
  /** The source system's own id of the person (`remote_id`). */
  remoteId?: string | undefined;
  initials?: string | undefined;
  firstName?: string | undefined;
  namePrefix?: string | undefined;
  lastName: string;
  gender?: 'M' | 'V' | 'O' | undefined;
  birthDate?: string | undefined;
  /** Source's last change time of this person, ISO timestamp. */
  changedAt?: string | undefined;
  vault: VaultFields;
}

/** What one source record becomes after mapping and validation. */
export interface Candidate {
  position: string;
  employee: CandidateEmployee;
  employments: CandidateEmployment[];
  departments: CandidateDepartment[];
  /**
   * Set when the delivery does not carry the person's own data (a SIVI Dienstverbanden message has
   * no names or vault data): only the employee fields present are delivered, `lastName` is '' and
   * `vault` is empty. The engine keeps the stored person data and vault and applies only the
   * employments, and rejects such a record when the employee is not known yet ("deliver
   * WerknemersGegevens first").
   */
  partialEmployee?: true | undefined;
}

/** The result of mapping + validating one source record. */
export type MappingOutcome =
  | { ok: true; candidate: Candidate }
  | {
      ok: false;
      position: string;
      problems: FieldProblem[];
      /**
       * The record's keys when they could still be read, so a complete delivery does not treat a
       * rejected employee as missing (and end them). Absent when the key itself is unreadable.
       */
      key?: { personnelNumber?: string | undefined; remoteId?: string | undefined } | undefined;
      /**
       * The ids of the record's employments that could still be read (never the person's BSN): a
       * record of the delivery that gives the same employment is left out with it.
       */
      employmentIds?: string[] | undefined;
      /**
       * Values any of which may be the record's key, when its values may stand under the wrong
       * names (a shifted line): each stored employee with one of them as the key is held.
       */
      heldKeys?: string[] | undefined;
    };
