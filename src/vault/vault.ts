import type { Knex } from 'knex';
import type { Db } from '../store/db.js';
import { inTransaction } from '../store/db.js';
import { auditEvent } from '../store/audit.js';
import { AppError } from '../errors.js';
import { normalizeBsn } from '../domain/bsn.js';
import {
  decrypt,
  encrypt,
  keyedHash,
  keyIdOf,
  keyIdOfCiphertext,
  newDataKey,
  VaultCryptoError,
} from './crypto.js';
import { canonicalVaultJson, vaultFieldsSchema, type VaultFields } from './fields.js';
import type { VaultKeys } from './keys.js';

export interface VaultAccessor {
  actorType: 'operator' | 'user' | 'api_token' | 'sync' | 'system';
  actorId?: string | undefined;
  requestId?: string | undefined;
  purpose: string;
}

export interface SealedEmployeeVault {
  ciphertext: string;
  bsnIndex: string | null;
  fingerprint: string;
}

/**
 * The data vault (datakluis): per-employer data keys wrapped by the master key, employee vault
 * records encrypted with AES-256-GCM, a blind index for finding an employee by BSN, and a keyed
 * fingerprint so a sync can tell whether vault contents changed without decrypting them.
 */
export class Vault {
  private readonly dataKeys = new Map<string, { keyId: string; key: Buffer }>();
  private readonly keysById = new Map<string, Buffer>();
  private readonly indexId: string;

  constructor(
    private readonly db: Db,
    private readonly keys: VaultKeys,
  ) {
    this.indexId = keyIdOf(keys.index);
  }

  /** The employer's active data key, created and wrapped on first use. */
  async dataKey(employerId: string, db: Db = this.db): Promise<{ keyId: string; key: Buffer }> {
    const cached = this.dataKeys.get(employerId);
    if (cached) return cached;
    let row = await db('vault_keys').where({ employer_id: employerId }).whereNull('retired_at').first();
    if (!row) {
      const key = newDataKey();
      const keyId = keyIdOf(key);
      const wrapped = encrypt(this.keys.master, this.keys.masterId, key, `vault-key:${employerId}:${keyId}`);
      await db.raw(
        `insert into vault_keys (employer_id, key_id, wrapped_key, master_key_id, index_key_id)
         values (?, ?, ?, ?, ?) on conflict do nothing`,
        [employerId, keyId, wrapped, this.keys.masterId, this.indexId],
      );
      row = await db('vault_keys').where({ employer_id: employerId }).whereNull('retired_at').first();
    }
    const entry = { keyId: row.key_id as string, key: this.unwrap(employerId, row) };
    if (row.index_key_id === null) {
      // A key from before the index key was recorded: this one is taken for the one in use.
      await db('vault_keys')
        .where({ employer_id: employerId, key_id: row.key_id as string })
        .whereNull('index_key_id')
        .update({ index_key_id: this.indexId });
    }
    const remember = () => {
      this.dataKeys.set(employerId, entry);
      this.keysById.set(entry.keyId, entry.key);
    };
    // A key read or made inside a transaction exists for others only once that commits: it is
    // remembered then, so a rollback never leaves a key in memory that the store does not have (the
    // data sealed with it later could never be decrypted after a restart).
    if (db.isTransaction) (db as Knex.Transaction).executionPromise.then(remember, () => undefined);
    else remember();
    return entry;
  }

  private unwrap(
    employerId: string,
    row: { key_id: string; wrapped_key: string; master_key_id: string; index_key_id: string | null },
  ): Buffer {
    if (row.master_key_id !== this.keys.masterId) {
      throw new AppError(
        'internal',
        'The vault master key does not match the key that wrapped the stored data keys.',
      );
    }
    if (row.index_key_id !== null && row.index_key_id !== this.indexId) {
      throw new AppError(
        'internal',
        'The vault index key does not match the key the stored BSN indexes and fingerprints were made with: ' +
          'with it no stored BSN would be found. Start with the index key the data was stored with.',
      );
    }
    return decrypt(this.keys.master, row.wrapped_key, `vault-key:${employerId}:${row.key_id}`);
  }

  private async keyById(employerId: string, keyId: string, db: Db): Promise<Buffer> {
    const known = this.keysById.get(keyId);
    if (known) return known;
    const row = await db('vault_keys').where({ employer_id: employerId, key_id: keyId }).first();
    if (!row) throw new VaultCryptoError(`No vault key ${keyId} for this employer.`);
    const key = this.unwrap(employerId, row);
    this.keysById.set(keyId, key);
    return key;
  }

  /** Encrypts an account secret (a TOTP seed) with the master key, bound to its purpose and owner. */
  sealSecret(context: string, secret: string): string {
    return encrypt(this.keys.master, this.keys.masterId, Buffer.from(secret, 'utf8'), `secret:${context}`);
  }

  /** Decrypts a secret sealed by `sealSecret` for the same context. */
  openSecret(context: string, sealed: string): string {
    return decrypt(this.keys.master, sealed, `secret:${context}`).toString('utf8');
  }

  /** Blind index of a BSN within one employer (HMAC with the index key; never the BSN itself). */
  bsnIndex(employerId: string, bsn: string): string | null {
    const normalized = normalizeBsn(bsn);
    return normalized ? keyedHash(this.keys.index, 'bsn-index', employerId, normalized) : null;
  }

  /** Keyed fingerprint of vault contents: equal contents give equal fingerprints, nothing else is revealed. */
  fingerprint(employerId: string, fields: VaultFields): string {
    return keyedHash(this.keys.index, 'vault-fingerprint', employerId, canonicalVaultJson(fields));
  }

  /** Encrypts an employee's vault fields; the caller stores the result (bulk paths) or uses `store`. */
  async seal(
    employerId: string,
    employeeId: string,
    input: VaultFields,
    db: Db = this.db,
  ): Promise<SealedEmployeeVault> {
    const fields = vaultFieldsSchema.parse(input);
    return this.sealChecked(employerId, employeeId, fields, this.fingerprint(employerId, fields), db);
  }

  /** Like `seal`, for fields already checked against the vault schema and already fingerprinted (bulk sync). */
  async sealChecked(
    employerId: string,
    employeeId: string,
    fields: VaultFields,
    fingerprint: string,
    db: Db = this.db,
  ): Promise<SealedEmployeeVault> {
    const { keyId, key } = await this.dataKey(employerId, db);
    return {
      ciphertext: encrypt(
        key,
        keyId,
        Buffer.from(canonicalVaultJson(fields), 'utf8'),
        `employee:${employeeId}`,
      ),
      bsnIndex: fields.bsn ? this.bsnIndex(employerId, fields.bsn) : null,
      fingerprint,
    };
  }

  /** Stores (insert or replace) an employee's vault record. */
  async store(employerId: string, employeeId: string, fields: VaultFields, db: Db = this.db): Promise<void> {
    const sealed = await this.seal(employerId, employeeId, fields, db);
    await db.raw(
      `insert into employee_vault (employee_id, employer_id, ciphertext, bsn_index, fingerprint, updated_at)
       values (?, ?, ?, ?, ?, now())
       on conflict (employee_id) do update set ciphertext = excluded.ciphertext, bsn_index = excluded.bsn_index,
         fingerprint = excluded.fingerprint, updated_at = now()`,
      [employeeId, employerId, sealed.ciphertext, sealed.bsnIndex, sealed.fingerprint],
    );
  }

  /** Decrypts an employee's vault record; every read is written to the audit trail with its purpose. */
  async read(
    employeeId: string,
    accessor: VaultAccessor,
    db: Db = this.db,
  ): Promise<VaultFields | undefined> {
    return inTransaction(db, async (trx) => {
      const row = await trx('employee_vault').where({ employee_id: employeeId }).first();
      if (!row) return undefined;
      const key = await this.keyById(row.employer_id, keyIdOfCiphertext(row.ciphertext), trx);
      const fields = vaultFieldsSchema.parse(
        JSON.parse(decrypt(key, row.ciphertext, `employee:${employeeId}`).toString('utf8')),
      );
      await auditEvent(trx, {
        actor: { type: accessor.actorType, id: accessor.actorId ?? null },
        employerId: row.employer_id,
        action: 'vault.read',
        entity: { type: 'employee', id: employeeId },
        requestId: accessor.requestId ?? null,
        details: { purpose: accessor.purpose },
      });
      return fields;
    });
  }

  /** Employees of one employer with this BSN, found through the blind index. */
  async findEmployeesByBsn(employerId: string, bsn: string, db: Db = this.db): Promise<string[]> {
    const index = this.bsnIndex(employerId, bsn);
    if (!index) return [];
    const rows = await db('employee_vault')
      .where({ employer_id: employerId, bsn_index: index })
      .select('employee_id');
    return rows.map((r: { employee_id: string }) => r.employee_id);
  }
}
