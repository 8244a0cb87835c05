import { isValidBsn } from '../domain/bsn.js';
import type { Vault } from '../vault/vault.js';
import { exec, rows, type Trx } from './sql.js';
import type { Candidate } from './types.js';

/** The identifiers of a person that must never be a BSN, with how a reason names each. */
const identifiers = [
  { field: 'personnelNumber', label: 'personnel number', of: (c: Candidate) => c.employee.personnelNumber },
  { field: 'remoteId', label: 'source id', of: (c: Candidate) => c.employee.remoteId },
] as const;

/** How a reason names an identifier's owner: an employment id is the employment's, a key the person's. */
const employmentIdLabel = 'employment id';
const owner = (label: string) => (label === employmentIdLabel ? 'the employment' : 'the person');

export interface BsnKey {
  field: string;
  reason: string;
}

/** A personnel number, source id or employment id of a record that passes the 11-check, with its blind index. */
export interface KeyIndex {
  rec: number;
  field: string;
  label: string;
  index: string;
}

/**
 * The personnel numbers, source ids and employment ids of a batch that pass the 11-check, with their
 * blind index: few in any delivery. Only these can be a BSN; `storedBsnKeys` and `stg_key_bsn` take
 * them. (An employment id that is the record's own BSN is refused by validation when the record
 * gives the BSN; one of a record without it, a SIVI Dienstverbanden record, is found here.)
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
    const employments = candidate.employments;
    for (let i = 0; i < employments.length; i++) {
      const value = employments[i]!.externalId;
      if (!isValidBsn(value)) continue;
      const field = `employments[${i + 1}].externalId`;
      out.push({ rec, field, label: employmentIdLabel, index: vault.bsnIndex(employerId, value)! });
    }
  }
  return out;
}

/**
 * The records (by `rec`) whose personnel number, source id or employment id is a BSN the vault holds for someone of
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
      reason: `${label} is a BSN the vault holds for an employee (value not shown): a BSN is never a key and never stored in clear; deliver the ${label} the source system gives ${owner(label)}`,
    });
  }
  return out;
}

/**
 * Rejects records whose personnel number, source id or employment id is the BSN another record of the same delivery
 * brings (sealed in `stg_sealed`): on a first load the vault holds none yet, and within one delivery
 * the stored vault does not know them either. Such a key would stand in clear where keys go.
 */
export async function rejectKeysThatAreDeliveredBsns(trx: Trx): Promise<void> {
  await exec(
    trx,
    `insert into stg_reject (rec, field, reason)
     select distinct k.rec, k.field,
            k.label || ' is the BSN another record of this delivery gives (value not shown): a BSN is never a key and ' ||
            'never stored in clear; deliver the ' || k.label || ' the source system gives ' ||
            case when k.label = ? then 'the employment' else 'the person' end
       from stg_key_bsn k join stg_sealed s on s.bsn_index = k.bsn_index and s.rec <> k.rec`,
    [employmentIdLabel],
  );
}
