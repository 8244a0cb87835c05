import type { StoreKind } from '../store/db.js';
import { timeOrderedId } from '../store/ids.js';
import { vaultFieldsSchema } from '../vault/fields.js';
import type { Vault } from '../vault/vault.js';
import type { Candidate, MappingOutcome } from './types.js';
import { quickVault } from './validate-fast.js';
import { keyIndexes, storedBsnKeys, type BsnKey } from './bsn-keys.js';
import { addDepartmentRows, createDepartmentStaging, loadDepartmentRows } from './delivered-departments.js';
import { bulkLoad, exec, rows, type Trx } from './sql.js';
import type { Link } from './link.js';
import type { RunRejects } from './rejects.js';

export interface StageContext {
  trx: Trx;
  kind: StoreKind;
  vault: Vault;
  employerId: string;
  key: Link['key'];
  connector: string;
  onProgress?: ((records: number) => void) | undefined;
}

/**
 * Records per staging batch. Two batches are in memory at a time (one read while the other is
 * loaded); smaller batches keep less of a delivery in memory, and below a few thousand records the
 * extra round trips did not show in the benchmark.
 */
const BATCH = 2_500;

/** Why a record without the person's own data is quarantined when the employee is not stored yet. */
export const unknownEmployeeReason = 'employee unknown: deliver WerknemersGegevens (or a full record) first';

const recColumns = [
  'rec',
  'position',
  'emp_key',
  'employee_id',
  'personnel_number',
  'remote_id',
  'initials',
  'first_name',
  'name_prefix',
  'last_name',
  'gender',
  'birth_date',
  'changed_at',
  'fingerprint',
  'n_employments',
  'partial',
] as const;
const empColumns = [
  'rec',
  'external_id',
  'previous_id',
  'start_date',
  'end_date',
  'end_reason',
  'valid_from',
  'department_code',
  'function_code',
  'function_name',
  'contract_type',
  'hours',
  'normal_hours',
  'no_risk_policy',
  'new_employment_id',
  'new_version_id',
] as const;

/**
 * Staging tables private to the run's transaction: dropped at commit or rollback, so a run that is
 * stopped at any moment leaves nothing behind and two runs never see each other's rows.
 */
async function createStagingTables(trx: Trx): Promise<void> {
  // The planner needs the staging tables' sizes and rough distributions, not fine histograms: a small
  // sample keeps each ANALYZE of a million-row staging table cheap.
  await exec(trx, `set local default_statistics_target = 10`);
  // The plan statements run once per run over every staged row: compiling them (JIT) cost more
  // than it saved (0.5-0.8 s per statement at 100k employees).
  await exec(trx, `set local jit = off`);
  // Sorts and hashes of the plan over a large delivery stay in memory instead of spilling to disk.
  await exec(trx, `set local work_mem = '64MB'`);
  await exec(
    trx,
    `create temp table stg_rec (
       rec int not null, position text not null, emp_key text not null, employee_id uuid not null,
       personnel_number text not null, remote_id text, initials text, first_name text, name_prefix text,
       last_name text not null, gender text, birth_date date, changed_at timestamptz,
       fingerprint text, n_employments int not null, partial boolean not null
     ) on commit drop`,
  );
  // Sealed vault records apart from the person rows: the planning tables copy person rows, and
  // a ciphertext is the widest value of a record.
  await exec(
    trx,
    `create temp table stg_sealed (rec int not null, ciphertext text not null, bsn_index text) on commit drop`,
  );
  // Hours as the store keeps them (two decimals), so a delivered 32.125 compares equal to the
  // stored 32.13 and a rerun writes nothing.
  await exec(
    trx,
    `create temp table stg_emp (
       rec int not null, external_id text not null, previous_id text, start_date date not null, end_date date,
       end_reason text, valid_from date, department_code text, function_code text, function_name text,
       contract_type text, hours numeric(5, 2), normal_hours numeric(5, 2), no_risk_policy boolean not null,
       new_employment_id uuid not null, new_version_id uuid not null
     ) on commit drop`,
  );
  await createDepartmentStaging(trx);
  await exec(
    trx,
    `create temp table stg_reject (rec int not null, field text not null, reason text not null) on commit drop`,
  );
  await exec(
    trx,
    `create temp table stg_key_bsn (rec int not null, field text not null, label text not null, bsn_index text not null)
     on commit drop`,
  );
}

/** The key of a rejected record when the mapping could still read it. */
function rejectedKey(outcome: MappingOutcome, key: Link['key']): string | undefined {
  const keys =
    'key' in outcome
      ? (outcome.key as { personnelNumber?: string; remoteId?: string } | undefined)
      : undefined;
  return key === 'personnelNumber' ? keys?.personnelNumber : keys?.remoteId;
}

/** Name of the candidate field a link uses as the key (for rejections). */
function keyField(key: Link['key']): string {
  return key === 'personnelNumber' ? 'personnelNumber' : 'remoteId';
}

function keyOf(c: Candidate, key: Link['key']): string | undefined {
  return key === 'personnelNumber' ? c.employee.personnelNumber : c.employee.remoteId;
}

/**
 * Reads the mapped records and stages them in bulk. Vault fields are fingerprinted first (cheap) and
 * only sealed (AES-GCM) when the stored fingerprint differs, so an unchanged delivery encrypts nothing.
 */
export async function stageDelivery(
  ctx: StageContext,
  input: AsyncIterable<MappingOutcome>,
  rejects: RunRejects,
): Promise<{ records: number }> {
  await createStagingTables(ctx.trx);
  // On a first load no employee of the employer is stored yet: nothing to look up per batch. The
  // employer's run lock keeps other runs out; a hand edit meanwhile would fail the run's insert whole.
  const anyStored =
    (await rows(ctx.trx, `select 1 from employees where employer_id = ? limit 1`, [ctx.employerId])).length >
    0;
  let batch: Array<{ rec: number; candidate: Candidate }> = [];
  let rec = 0;
  let pending: Promise<void> = Promise.resolve();
  try {
    for await (const outcome of input) {
      rec += 1;
      // A delivery of nothing but problems is written as it comes, not kept in memory.
      if (rejects.full) {
        await pending;
        pending = rejects.write();
        pending.catch(() => undefined);
      }
      if (!outcome.ok) {
        rejects.hold(rejectedKey(outcome, ctx.key));
        for (const k of outcome.heldKeys ?? []) rejects.hold(k);
        rejects.holdEmployments(outcome.employmentIds, rec, outcome.position);
        for (const p of outcome.problems)
          rejects.add({ position: outcome.position, field: p.field, reason: p.reason });
        continue;
      }
      const c = outcome.candidate;
      if (!keyOf(c, ctx.key)) {
        rejects.add({
          position: c.position,
          field: keyField(ctx.key),
          reason: `the record has no ${ctx.key === 'personnelNumber' ? 'personnel number' : 'source id of the person'}, which this link uses as the key`,
        });
        continue;
      }
      batch.push({ rec, candidate: c });
      if (batch.length >= BATCH) {
        // The database stages one batch while the next is read and mapped; one flush at a time.
        await pending;
        pending = flush(ctx, batch, rejects, anyStored);
        pending.catch(() => undefined); // handled when awaited; avoids an unhandled rejection meanwhile
        batch = [];
        ctx.onProgress?.(rec);
      }
    }
  } catch (err) {
    // The run's transaction ends with this error: the statement under way finishes first.
    await pending.catch(() => undefined);
    throw err;
  }
  await pending;
  await flush(ctx, batch, rejects, anyStored);
  await exec(ctx.trx, `analyze stg_rec, stg_emp`);
  await keepStoredPersons(ctx.trx);
  await rejects.write();
  ctx.onProgress?.(rec);
  return { records: rec };
}

interface StoredEmployee {
  id: string;
  fingerprint: string | null;
}

/** The stored employees of a batch's keys, with their vault fingerprints. */
async function storedEmployees(ctx: StageContext, keys: string[]): Promise<Map<string, StoredEmployee>> {
  const keyColumn = ctx.key === 'personnelNumber' ? 'personnel_number' : 'remote_id';
  const found = await rows<StoredEmployee & { k: string }>(
    ctx.trx,
    `select e.id, e.${keyColumn} as k, v.fingerprint from employees e
       left join employee_vault v on v.employee_id = e.id
      where e.employer_id = ? and e.${keyColumn} in (select jsonb_array_elements_text(?::jsonb))`,
    [ctx.employerId, JSON.stringify(keys)],
  );
  return new Map(found.map((r) => [r.k, { id: r.id, fingerprint: r.fingerprint }]));
}

async function flush(
  ctx: StageContext,
  batch: Array<{ rec: number; candidate: Candidate }>,
  rejects: RunRejects,
  anyStored: boolean,
): Promise<void> {
  if (batch.length === 0) return;
  const existing = anyStored
    ? await storedEmployees(
        ctx,
        batch.map((b) => keyOf(b.candidate, ctx.key)!),
      )
    : new Map<string, StoredEmployee>();
  // Keys that pass the 11-check, with their blind index: against the stored vault here, against the
  // BSNs this delivery brings once it is staged (`stg_key_bsn`).
  const keys = keyIndexes(ctx.vault, ctx.employerId, batch);
  const bsnAsKey = anyStored ? await storedBsnKeys(ctx.trx, ctx.employerId, keys) : new Map<number, BsnKey>();
  const recRows: unknown[][] = [];
  const empRows: unknown[][] = [];
  const sealedRows: unknown[][] = [];
  const depRows: unknown[][] = [];
  for (const { rec, candidate: c } of batch) {
    const key = keyOf(c, ctx.key)!;
    const found = existing.get(key);
    const bsn = bsnAsKey.get(rec);
    if (bsn) {
      rejects.add({ position: c.position, field: bsn.field, reason: bsn.reason });
      rejects.hold(key);
      continue;
    }
    if (c.partialEmployee && !found) {
      // Without names the employee cannot be created; the record waits for the person's own data.
      rejects.add({ position: c.position, field: keyField(ctx.key), reason: unknownEmployeeReason });
      rejects.hold(key);
      continue;
    }
    // Mapped records arrive validated; the vault schema is the guard for any other producer.
    let fields = quickVault(c.employee.vault);
    if (!fields) {
      const parsed = vaultFieldsSchema.safeParse(c.employee.vault);
      if (!parsed.success) {
        for (const issue of parsed.error.issues) {
          // Zod messages of the vault schema describe the rule, never the value.
          rejects.add({
            position: c.position,
            field: `vault.${issue.path.join('.')}`,
            reason: issue.message,
          });
        }
        rejects.hold(key);
        continue;
      }
      fields = parsed.data;
    }
    const employeeId = found?.id ?? timeOrderedId();
    // A partial record carries no vault data: the stored vault stays (see keepStoredPersons).
    const fingerprint = c.partialEmployee ? undefined : ctx.vault.fingerprint(ctx.employerId, fields);
    const sealed =
      fingerprint === undefined || found?.fingerprint === fingerprint
        ? undefined
        : await ctx.vault.sealChecked(ctx.employerId, employeeId, fields, fingerprint, ctx.trx);
    const e = c.employee;
    recRows.push([
      rec,
      c.position,
      key,
      employeeId,
      e.personnelNumber,
      e.remoteId,
      e.initials,
      e.firstName,
      e.namePrefix,
      e.lastName,
      e.gender,
      e.birthDate,
      e.changedAt,
      fingerprint,
      c.employments.length,
      c.partialEmployee ?? false,
    ]);
    if (sealed) sealedRows.push([rec, sealed.ciphertext, sealed.bsnIndex]);
    addDepartmentRows(rec, c.position, c.departments, depRows);
    for (const m of c.employments) {
      empRows.push([
        rec,
        m.externalId,
        m.previousExternalId,
        m.startDate,
        m.endDate,
        m.endReason,
        m.validFrom,
        m.departmentCode,
        m.functionCode,
        m.functionName,
        m.contractType,
        m.hoursPerWeek,
        m.normalHoursPerWeek,
        m.noRiskPolicy ?? false,
        // Ids for the employment and its version should the plan create them (time-ordered).
        timeOrderedId(),
        timeOrderedId(),
      ]);
    }
  }
  await bulkLoad(ctx.trx, ctx.kind, 'stg_rec', recColumns, recRows);
  await bulkLoad(ctx.trx, ctx.kind, 'stg_emp', empColumns, empRows);
  await bulkLoad(ctx.trx, ctx.kind, 'stg_sealed', ['rec', 'ciphertext', 'bsn_index'], sealedRows);
  if (keys.length) {
    const keyRows = keys.map((k) => [k.rec, k.field, k.label, k.index]);
    await bulkLoad(ctx.trx, ctx.kind, 'stg_key_bsn', ['rec', 'field', 'label', 'bsn_index'], keyRows);
  }
  await loadDepartmentRows(ctx.trx, ctx.kind, depRows);
  // Problems found here (every record of a batch can have one) are not kept until the end either.
  if (rejects.full) await rejects.write();
}

/**
 * Records without the person's own data (`partialEmployee`) take the stored person data and vault
 * fingerprint, so planning sees no change and only their employments are applied.
 */
async function keepStoredPersons(trx: Trx): Promise<void> {
  await exec(
    trx,
    `update stg_rec s set personnel_number = e.personnel_number, remote_id = e.remote_id,
            initials = e.initials, first_name = e.first_name, name_prefix = e.name_prefix,
            last_name = e.last_name, gender = e.gender, birth_date = e.birth_date, changed_at = e.changed_at,
            fingerprint = v.fingerprint
       from employees e left join employee_vault v on v.employee_id = e.id
      where s.partial and e.id = s.employee_id`,
  );
}
