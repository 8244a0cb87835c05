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

/**
 * Records of a batch whose personnel number or source id is a BSN the vault holds for someone of
 * the employer. A record that carries the person's own BSN is caught by validation; this finds a key
 * that is a BSN when the record has none (SIVI Dienstverbanden, a CSV with an empty BSN column).
 * Only values that pass the 11-check are looked up, through the blind index: nothing is decrypted.
 */
export async function bsnKeys(
  trx: Trx,
  vault: Vault,
  employerId: string,
  batch: ReadonlyArray<{ candidate: Candidate }>,
): Promise<Map<Candidate, BsnKey>> {
  const wanted = new Map<string, Array<{ candidate: Candidate; field: string; label: string }>>();
  for (const { candidate } of batch) {
    for (const id of identifiers) {
      const value = id.of(candidate);
      if (value === undefined || !isValidBsn(value)) continue;
      const index = vault.bsnIndex(employerId, value)!;
      wanted.set(index, [...(wanted.get(index) ?? []), { candidate, field: id.field, label: id.label }]);
    }
  }
  const out = new Map<Candidate, BsnKey>();
  if (wanted.size === 0) return out;
  const found = await rows<{ bsn_index: string }>(
    trx,
    `select distinct bsn_index from employee_vault
      where employer_id = ? and bsn_index in (select jsonb_array_elements_text(?::jsonb))`,
    [employerId, JSON.stringify([...wanted.keys()])],
  );
  for (const { bsn_index } of found) {
    for (const { candidate, field, label } of wanted.get(bsn_index) ?? []) {
      out.set(candidate, {
        field,
        reason: `${label} is a BSN the vault holds for an employee (value not shown): a BSN is never a key and never stored in clear; deliver the ${label} the source system gives the person`,
      });
    }
  }
  return out;
}

/**
 * Staging rows (`stg_key_bsn`: rec, field, label, blind index) for the personnel numbers and source
 * ids of a batch that pass the 11-check: few in any delivery, so nothing is staged for most records.
 * `rejectKeysThatAreDeliveredBsns` compares them with the BSNs the same delivery brings.
 */
export function keyBsnRows(
  vault: Vault,
  employerId: string,
  batch: ReadonlyArray<{ rec: number; candidate: Candidate }>,
): unknown[][] {
  const out: unknown[][] = [];
  for (const { rec, candidate } of batch) {
    for (const id of identifiers) {
      const value = id.of(candidate);
      if (value === undefined || !isValidBsn(value)) continue;
      out.push([rec, id.field, id.label, vault.bsnIndex(employerId, value)!]);
    }
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
