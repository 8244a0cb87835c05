import { isValidBsn } from '../domain/bsn.js';
import type { Vault } from '../vault/vault.js';
import { exec, rows, type Trx } from './sql.js';
import type { Candidate } from './types.js';

/** The identifiers of a record that must never be a BSN, with how a reason names each. */
const identifiers = [
  { field: 'personnelNumber', label: 'personnel number', of: (c: Candidate) => c.employee.personnelNumber },
  { field: 'remoteId', label: 'source id', of: (c: Candidate) => c.employee.remoteId },
] as const;

export interface BsnKey {
  field: string;
  reason: string;
}

/** A personnel number or source id of a record that passes the 11-check, with its blind index. */
export interface KeyIndex {
  rec: number;
  field: string;
  label: string;
  index: string;
}

/**
 * The personnel numbers and source ids of a batch that pass the 11-check, with their blind index:
 * few in any delivery. Only these can be a BSN; `storedBsnKeys` and `stg_key_bsn` take them.
 */
export function keyIndexes(
  vault: Vault,
  employerId: string,
  batch: ReadonlyArray<{ rec: number; candidate: Candidate }>,
): KeyIndex[] {
  const out: KeyIndex[] = [];
  for (const { rec, candidate } of batch) {
    for (const id of identifiers) {
      const value = id.of(candidate);
      if (value === undefined || !isValidBsn(value)) continue;
      out.push({ rec, field: id.field, label: id.label, index: vault.bsnIndex(employerId, value)! });
    }
  }
  return out;
}

/**
 * The records (by `rec`) whose personnel number or source id is a BSN the vault holds for someone of
 * the employer. A record that carries the person's own BSN is caught by validation; this finds a key
 * that is a BSN when the record has none (SIVI Dienstverbanden, a CSV with an empty BSN column),
 * through the blind index: nothing is decrypted.
 */
export async function storedBsnKeys(
  trx: Trx,
  employerId: string,
  keys: readonly KeyIndex[],
): Promise<Map<number, BsnKey>> {
  const out = new Map<number, BsnKey>();
  if (keys.length === 0) return out;
  const found = await rows<{ bsn_index: string }>(
    trx,
    `select distinct bsn_index from employee_vault
      where employer_id = ? and bsn_index in (select jsonb_array_elements_text(?::jsonb))`,
    [employerId, JSON.stringify([...new Set(keys.map((k) => k.index))])],
  );
  const held = new Set(found.map((f) => f.bsn_index));
  for (const { rec, field, label, index } of keys) {
    if (!held.has(index)) continue;
    out.set(rec, {
      field,
      reason: `${label} is a BSN the vault holds for an employee (value not shown): a BSN is never a key and never stored in clear; deliver the ${label} the source system gives the person`,
    });
  }
  return out;
}

/**
 * Rejects records whose personnel number or source id is the BSN another record of the same delivery
 * brings (sealed in `stg_sealed`): on a first load the vault holds none yet, and within one delivery
 * the stored vault does not know them either. Such a key would stand in clear where keys go.
 */
export async function rejectKeysThatAreDeliveredBsns(trx: Trx): Promise<void> {
  await exec(
    trx,
    `insert into stg_reject (rec, field, reason)
     select distinct k.rec, k.field,
            k.label || ' is the BSN another record of this delivery gives (value not shown): a BSN is never a key and ' ||
            'never stored in clear; deliver the ' || k.label || ' the source system gives the person'
       from stg_key_bsn k join stg_sealed s on s.bsn_index = k.bsn_index and s.rec <> k.rec`,
  );
}
