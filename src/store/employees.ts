import type { Db } from './db.js';
import { inTransaction } from './db.js';
import { mapStoreError } from './errors.js';
import { employeeSchema, type EmployeeInput } from '../domain/employee.js';
import type { Vault } from '../vault/vault.js';
import type { VaultFields } from '../vault/fields.js';
import { isSameBsn, isValidBsn, normalizeBsn } from '../domain/bsn.js';
import { AppError } from '../errors.js';

/** The keys a hand edit gives, with how a refusal names them. */
const keyNames = {
  personnelNumber: 'personnel number',
  externalId: 'employment id',
  'employment.externalId': 'employment id',
} as const;

/**
 * A personnel number or employment id is never a BSN: neither the person's own, given with it, nor
 * one the vault holds for someone of the employer (found through the blind index; nothing is
 * decrypted).
 */
export async function assertKeyNotBsn(
  db: Db,
  vault: Vault,
  employerId: string,
  field: keyof typeof keyNames,
  value: string | undefined,
  ownBsn: string | undefined,
): Promise<void> {
  await lockHandEdits(db, employerId);
  if (value === undefined || !isValidBsn(value)) return;
  if (
    (ownBsn !== undefined && isSameBsn(value, ownBsn)) ||
    (await vault.findEmployeesByBsn(employerId, value, db)).length > 0
  ) {
    throw new AppError(
      'validation_failed',
      `${field} is a BSN (value not shown): a BSN is never a key and never stored in clear; give the ${keyNames[field]} the employer uses`,
      { field },
    );
  }
}

/** A key column in the spelling a BSN is compared in: nine digits, or null when it cannot be one. */
const bsnSpelling = (column: string) =>
  `case when regexp_replace(${column}, '[.[:space:]-]', '', 'g') ~ '^[0-9]{8,9}$'
        then lpad(regexp_replace(${column}, '[.[:space:]-]', '', 'g'), 9, '0') end`;

/**
 * The other way round: a BSN going into the vault is no other employee's personnel number or source
 * id, and no employment's id, where it would stand in clear. Hand edits of one employer are taken one at a time (an advisory
 * lock of the transaction), so two edits at once cannot each pass the check the other breaks.
 */
async function assertBsnNoKey(
  db: Db,
  employerId: string,
  employeeId: string | undefined,
  bsn: string | undefined,
): Promise<void> {
  await lockHandEdits(db, employerId);
  const nine = bsn === undefined ? undefined : normalizeBsn(bsn);
  if (nine === undefined) return;
  const clash = await db('employees')
    .where({ employer_id: employerId })
    .whereRaw(`id is distinct from ?::uuid`, [employeeId ?? null])
    .whereRaw(`(${bsnSpelling('personnel_number')} = ? or ${bsnSpelling('remote_id')} = ?)`, [nine, nine])
    .first('id');
  // An employment id is checked for the employee's own employments too.
  const employment = await db('employments')
    .where({ employer_id: employerId })
    .whereRaw(`${bsnSpelling('external_id')} = ?`, [nine])
    .first('id');
  if (clash || employment) {
    throw new AppError(
      'validation_failed',
      'vault.bsn is the personnel number, source id or employment id of an employee of this employer (value not shown): correct that key first, as a BSN is never stored in clear',
      { field: 'vault.bsn' },
    );
  }
}

/** Namespace of the advisory lock that takes an employer's hand edits of employees one at a time. */
const HAND_EDIT_LOCK = 0x4b50_4845; // "KPHE"

/** Waits for the employer's other hand edits of keys and BSNs; held until the transaction ends. */
async function lockHandEdits(db: Db, employerId: string): Promise<void> {
  await db.raw(`select pg_advisory_xact_lock(?, hashtext(?))`, [HAND_EDIT_LOCK, employerId]);
}

export interface EmployeeRecord {
  id: string;
  employerId: string;
  personnelNumber: string;
  initials?: string | undefined;
  firstName?: string | undefined;
  namePrefix?: string | undefined;
  lastName: string;
  gender?: 'M' | 'V' | 'O' | undefined;
  birthDate?: string | undefined;
  inService: boolean;
}

/** Creates an employee with its vault record in one transaction; vault fields never reach a clear column. */
export async function createEmployee(
  db: Db,
  vault: Vault,
  employerId: string,
  input: EmployeeInput,
  vaultFields: VaultFields = {},
): Promise<EmployeeRecord> {
  const e = employeeSchema.parse(input);
  return inTransaction(db, async (trx) => {
    await assertBsnNoKey(trx, employerId, undefined, vaultFields.bsn);
    await assertKeyNotBsn(trx, vault, employerId, 'personnelNumber', e.personnelNumber, vaultFields.bsn);
    let row: { id: string };
    try {
      [row] = (await trx('employees')
        .insert({
          employer_id: employerId,
          personnel_number: e.personnelNumber,
          source_system: e.sourceSystem ?? null,
          remote_id: e.remoteId ?? null,
          initials: e.initials ?? null,
          first_name: e.firstName ?? null,
          name_prefix: e.namePrefix ?? null,
          last_name: e.lastName,
          gender: e.gender ?? null,
          birth_date: e.birthDate ?? null,
          in_service: e.inService,
        })
        .returning('id')) as [{ id: string }];
    } catch (err) {
      mapStoreError(err, 'employee');
    }
    await vault.store(employerId, row.id, vaultFields, trx);
    return { id: row.id, employerId, ...e };
  });
}

/** Changes an employee's clear fields (those given) and, when given, replaces the vault record. */
export async function updateEmployee(
  db: Db,
  vault: Vault,
  employerId: string,
  employeeId: string,
  input: Partial<Omit<EmployeeRecord, 'id' | 'employerId'>>,
  vaultFields?: VaultFields,
): Promise<void> {
  const columns: Record<string, unknown> = {};
  const names: Record<string, string> = {
    personnelNumber: 'personnel_number',
    initials: 'initials',
    firstName: 'first_name',
    namePrefix: 'name_prefix',
    lastName: 'last_name',
    gender: 'gender',
    birthDate: 'birth_date',
    inService: 'in_service',
  };
  for (const [key, value] of Object.entries(input)) {
    if (value !== undefined && names[key]) columns[names[key]] = value;
  }
  await inTransaction(db, async (trx) => {
    await assertBsnNoKey(trx, employerId, employeeId, vaultFields?.bsn);
    // A new BSN is checked against the personnel number the employee keeps, too.
    const personnelNumber =
      input.personnelNumber ??
      (vaultFields?.bsn !== undefined
        ? (
            (await trx('employees')
              .where({ id: employeeId, employer_id: employerId })
              .first('personnel_number')) as { personnel_number: string } | undefined
          )?.personnel_number
        : undefined);
    await assertKeyNotBsn(trx, vault, employerId, 'personnelNumber', personnelNumber, vaultFields?.bsn);
    try {
      if (Object.keys(columns).length) {
        await trx('employees')
          .where({ id: employeeId, employer_id: employerId })
          .update({ ...columns, updated_at: trx.fn.now() });
      }
    } catch (err) {
      mapStoreError(err, 'employee');
    }
    if (vaultFields) await vault.store(employerId, employeeId, vaultFields, trx);
  });
}

// An employee never moves to another employer and is never deleted, so the answer, once found, is
// cached per store (bounded; the oldest entries go first). A miss for an employer whose employees
// were not read lately reads them all at once (up to a limit): whoever reports for one employee of
// an employer usually goes on with the next.
interface EmployerCache {
  employers: Map<string, string>;
  readAt: Map<string, number>;
}
const employerCaches = new WeakMap<Db, EmployerCache>();
const employerCacheSize = 200_000;
const readAheadLimit = 50_000;
const readAheadEveryMs = 60_000;

function remember(cache: EmployerCache, employeeId: string, employerId: string): void {
  if (cache.employers.size >= employerCacheSize) cache.employers.delete(cache.employers.keys().next().value!);
  cache.employers.set(employeeId, employerId);
}

/**
 * The employer of a stored employee; undefined when there is no such employee. `expectedEmployerId`
 * (the employer the caller acts within) lets a miss read that employer's employees ahead.
 */
export async function employerOfEmployee(
  db: Db,
  employeeId: string,
  expectedEmployerId?: string,
): Promise<string | undefined> {
  let cache = employerCaches.get(db);
  if (!cache) employerCaches.set(db, (cache = { employers: new Map(), readAt: new Map() }));
  const cached = cache.employers.get(employeeId);
  if (cached) return cached;
  const now = Date.now();
  const readAt = expectedEmployerId ? cache.readAt.get(expectedEmployerId) : undefined;
  if (expectedEmployerId && (readAt === undefined || now - readAt >= readAheadEveryMs)) {
    cache.readAt.set(expectedEmployerId, now);
    const ids = (await db('employees')
      .where({ employer_id: expectedEmployerId })
      .limit(readAheadLimit)
      .pluck('id')) as string[];
    for (const id of ids) remember(cache, id, expectedEmployerId);
    const found = cache.employers.get(employeeId);
    if (found) return found;
  }
  const row = (await db('employees').where({ id: employeeId }).first('employer_id')) as
    { employer_id: string } | undefined;
  if (!row) return undefined;
  remember(cache, employeeId, row.employer_id);
  return row.employer_id;
}
