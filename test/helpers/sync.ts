import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { Store } from '../../src/store/db.js';
import type { Vault } from '../../src/vault/vault.js';
import { runSync, type SyncRequest, type SyncResult } from '../../src/sync/engine.js';
import { linkSchema, type Link, type LinkInput } from '../../src/sync/link.js';
import { saveLink } from '../../src/store/links.js';
import { syncDelivery } from '../../src/sync/delivery.js';
import { csvHeader } from './csv-delivery.js';
import type { Candidate, CandidateEmployment, MappingOutcome } from '../../src/sync/types.js';
import { createTestStore, testVault, type TestStore } from './store.js';

/** A link document for tests (CSV drop folder, complete deliveries). */
export function testLink(code: string, overrides: Partial<LinkInput> = {}): Link {
  return linkSchema.parse({
    employer: { code, name: `${code} BV` },
    connector: 'csv',
    source: { folder: '/tmp/none' },
    mapping: 'mappings/csv-standard.yaml',
    delivery: 'complete',
    ...overrides,
  });
}

/** A mutation link reading the drop folder `folder` at once (no settling), scheduled nightly. */
export function scheduledFolderLink(
  code: string,
  folder: string,
  mapping = 'mappings/csv-standard.yaml',
): Link {
  return testLink(code, {
    source: { folder, settleSeconds: 0 },
    mapping,
    delivery: 'mutations',
    schedule: '30 2 * * *',
  });
}

/** Valid BSNs (11-check) for fixtures. */
export const bsns = ['111222333', '123456782', '999999990', '100000009', '100000010'];

/** A candidate for one employee with one employment; override what the test is about. */
export function person(
  nr: string,
  overrides: {
    lastName?: string;
    employments?: Array<Partial<CandidateEmployment>>;
    departments?: Candidate['departments'];
    bsn?: string;
    town?: string;
    position?: string;
  } = {},
): MappingOutcome {
  const employments = (overrides.employments ?? [{}]).map((e, i) => ({
    externalId: `${nr}-${i + 1}`,
    startDate: '2020-01-01',
    departmentCode: 'D1',
    hoursPerWeek: 32,
    contractType: 'O' as const,
    ...e,
  }));
  return {
    ok: true,
    candidate: {
      position: overrides.position ?? `delivery.csv:${nr}`,
      employee: {
        personnelNumber: nr,
        lastName: overrides.lastName ?? `Jansen ${nr}`,
        namePrefix: 'van',
        gender: 'V',
        birthDate: '1980-05-17',
        vault: {
          ...(overrides.bsn ? { bsn: overrides.bsn } : {}),
          town: overrides.town ?? 'Utrecht',
        },
      },
      employments,
      departments: overrides.departments ?? [{ code: 'D1', name: 'Afdeling 1' }],
    },
  };
}

/**
 * A candidate as a source without the person's own data delivers it (SIVI Dienstverbanden):
 * `partialEmployee`, no names and no vault data, with the employments of `person`.
 */
export function partialPerson(
  nr: string,
  overrides: Omit<Parameters<typeof person>[1], 'lastName' | 'bsn' | 'town'> = {},
): MappingOutcome {
  const full = person(nr, overrides);
  if (!full.ok) return full;
  const { personnelNumber } = full.candidate.employee;
  return {
    ok: true,
    candidate: {
      ...full.candidate,
      employee: { personnelNumber, lastName: '', vault: {} },
      partialEmployee: true,
    },
  };
}

export async function* fromList(list: MappingOutcome[]): AsyncIterable<MappingOutcome> {
  for (const item of list) yield item;
}

/** Stores the link and returns a runner that syncs lists of outcomes for that employer. */
export async function syncRunner(store: Store, vault: Vault, link: Link) {
  const employer = await saveLink(store.db, link, 'file');
  const run = (list: MappingOutcome[], options: Partial<SyncRequest> = {}): Promise<SyncResult> =>
    runSync({
      store,
      vault,
      employerId: employer.id,
      link,
      input: fromList(list),
      trigger: 'cli',
      deliveryDate: '2026-11-28',
      ...options,
    });
  return { employer, run };
}

/** Everything stored of an employer's people, in a fixed order: to compare before and after a run. */
export async function storedState(db: Store['db'], employerId: string) {
  const q = (sql: string) => db.raw(sql, [employerId]).then((r: { rows: unknown[] }) => r.rows);
  return {
    employees: await q(`select * from employees where employer_id = ? order by personnel_number`),
    employments: await q(`select * from employments where employer_id = ? order by external_id`),
    versions: await q(
      `select v.* from employment_versions v join employments m on m.id = v.employment_id
        where m.employer_id = ? order by m.external_id, v.valid_from`,
    ),
    departments: await q(`select * from departments where employer_id = ? order by code`),
    vault: await q(`select * from employee_vault where employer_id = ? order by employee_id`),
    audit: await q(`select action, entity_id from audit_events where employer_id = ? order by id`),
  };
}

/** The versions of one employment, oldest first, with the department's code. */
export async function versionsOf(db: Store['db'], employerId: string, externalId: string) {
  return (
    await db.raw(
      `select v.valid_from, v.valid_to, v.hours_per_week, d.code as department from employment_versions v
         join employments m on m.id = v.employment_id left join departments d on d.id = v.department_id
        where m.employer_id = ? and m.external_id = ? order by v.valid_from`,
      [employerId, externalId],
    )
  ).rows as Array<{
    valid_from: string;
    valid_to: string | null;
    hours_per_week: number;
    department: string;
  }>;
}

/**
 * The store of a test file, opened before its tests and closed after them, with its vault, and a
 * fresh employer (`<prefix>-<n>`) per `employer()` call, so tests do not depend on each other.
 */
export function syncTestStore(prefix: string) {
  let seq = 0;
  const bed = {
    store: undefined as unknown as TestStore,
    vault: undefined as unknown as Vault,
    employer(overrides: Partial<LinkInput> = {}) {
      seq += 1;
      return syncRunner(bed.store, bed.vault, testLink(`${prefix}-${seq}`, overrides));
    },
  };
  beforeAll(async () => {
    bed.store = await createTestStore();
    bed.vault = testVault(bed.store);
  });
  afterAll(() => bed.store.close());
  return bed;
}

/**
 * A store of its own for a test file of CSV deliveries end to end (csv connector, csv-standard
 * mapping, engine): `linkedFile` writes a delivery file and links it to a new employer.
 */
export function csvFileBed(prefix: string) {
  const bed = {
    store: undefined as unknown as TestStore,
    vault: undefined as unknown as Vault,
    dir: '',
    /** A delivery of `rows` with the columns `header` (default: every column of the standard layout). */
    csvText(rows: Array<Record<string, string | undefined>>, header: readonly string[] = csvHeader): string {
      return (
        [header.join(';'), ...rows.map((r) => header.map((h) => r[h] ?? '').join(';'))].join('\r\n') + '\r\n'
      );
    },
    /** Writes `text` as the delivery file `name` and links it to a new employer `code`; `run` runs it. */
    async linkedFile(
      code: string,
      name: string,
      text: string,
      overrides: { source?: Record<string, unknown>; delivery?: 'complete' | 'mutations' } = {},
    ) {
      const file = join(bed.dir, name);
      writeFileSync(file, text);
      const link = testLink(code, { ...overrides, source: { file, ...overrides.source } });
      const employer = await saveLink(bed.store.db, link, 'file');
      const run = async (options: { dryRun?: boolean; forcedBy?: string } = {}) =>
        (await syncDelivery({
          store: bed.store,
          vault: bed.vault,
          employerId: employer.id,
          link,
          trigger: 'cli',
          ...options,
        }))!;
      return { employer, file, run };
    },
    /** Writes `text` as the delivery file `name`, links it to a new employer `code` and runs it once. */
    async syncFile(code: string, name: string, text: string, source: Record<string, unknown> = {}) {
      const { employer, run } = await bed.linkedFile(code, name, text, { source });
      return { employer, r: await run() };
    },
  };
  beforeAll(async () => {
    bed.store = await createTestStore();
    bed.vault = testVault(bed.store);
    bed.dir = mkdtempSync(join(tmpdir(), `koppeling-${prefix}-`));
  });
  afterAll(() => bed.store.close());
  return bed;
}
