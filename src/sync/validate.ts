import { z } from 'zod';
import { isSameBsn, isValidBsn, normalizeBsn } from '../domain/bsn.js';
import { isTimestamp, todayIn } from '../domain/dates.js';
import { isStorableText, nulReason } from '../domain/text.js';
import { contractTypes, genders } from '../domain/employee.js';
import { vaultFieldNames } from '../domain/vault-fields.js';
import { vaultFieldsSchema } from '../vault/fields.js';
import { isCalendarDate } from './mapping/transforms.js';
import { EARLIEST_EMPLOYMENT_DATE, LATEST_EMPLOYMENT_DATE } from './validate-fast.js';
import type { Candidate, FieldProblem } from './types.js';
import { employmentIdMax, quickValidate } from './validate-fast.js';

/**
 * Validation of a mapped record (step 4 of a sync run): zod for shapes and lengths, plus the domain
 * rules: BSN 11-check, real calendar dates, hours 0-80, end not before start, postcode 1234AB,
 * gender and contract codes. Problems name the field and the bad value in plain words; a vault
 * value (BSN above all) never appears in a problem.
 */

// Intl formatting is slow; the date changes once a day, so recompute at most once a minute.
let todayCache = { at: 0, value: '' };
function today(): string {
  const now = Date.now();
  if (now - todayCache.at > 60_000) todayCache = { at: now, value: todayIn() };
  return todayCache.value;
}

/** A record as mapped but not yet checked. */
export interface CandidateInput {
  position: string;
  employee: Record<string, unknown>;
  vault: Record<string, unknown>;
  employments: Record<string, unknown>[];
  departments: Record<string, unknown>[];
  /** The source carries no names: `lastName` may be absent (the candidate gets `partialEmployee`). */
  partial?: boolean | undefined;
}

const text = (max: number) =>
  z
    .string({ error: (iss) => (iss.input === undefined ? 'is required' : 'is not text') })
    .trim()
    .min(1, 'is empty')
    .max(max, `is longer than ${max} characters`)
    .refine(isStorableText, nulReason);

const date = z
  .string({ error: (iss) => (iss.input === undefined ? 'is required' : 'is not a date') })
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'is not a date as YYYY-MM-DD')
  .refine(isCalendarDate, 'is not an existing calendar date');

/** Employment dates: a year outside 1900-2099 is a typing error (01-03-0215), not a date to store. */
const employmentDate = date
  .refine((d) => d >= EARLIEST_EMPLOYMENT_DATE, 'is before 1900')
  .refine((d) => d <= LATEST_EMPLOYMENT_DATE, 'is after 2099');

const hours = z
  .number({ error: 'is not a number of hours' })
  .refine(Number.isFinite, 'is not a number of hours')
  .min(0, 'must be between 0 and 80 hours a week')
  .max(80, 'must be between 0 and 80 hours a week');

const employeeShape = z
  .object({
    personnelNumber: text(35),
    remoteId: text(40).optional(),
    initials: text(20).optional(),
    firstName: text(35).optional(),
    namePrefix: text(20).optional(),
    lastName: text(200),
    gender: z.enum(genders, { error: 'is not a gender code M, V or O' }).optional(),
    birthDate: date
      .refine((d) => d >= '1900-01-01', 'is before 1900')
      .refine((d) => d <= today(), 'lies in the future')
      .optional(),
    changedAt: z
      .string()
      .refine(
        isTimestamp,
        'is not a date and time as 2024-03-01T14:30:00 (a zone such as Z or +01:00 may follow)',
      )
      .optional(),
  })
  // Not .strict(): keys come from the mapping's fixed target list, and unknown ones are dropped
  // anyway; the catch-all check cost ~10% of validation time on large deliveries.
  .strip();

const employmentShape = z
  .object({
    // A mapping derives the id when the source has none: personnel number (at most 35) and start
    // date (`P-123-2015-03-01`).
    externalId: text(employmentIdMax),
    previousExternalId: text(employmentIdMax).optional(),
    startDate: employmentDate,
    endDate: employmentDate.optional(),
    endReason: text(200).optional(),
    validFrom: employmentDate.optional(),
    departmentCode: text(70).optional(),
    functionCode: text(15).optional(),
    functionName: text(35).optional(),
    contractType: z
      .enum(contractTypes, { error: 'is not a contract code B (fixed term) or O (indefinite)' })
      .optional(),
    hoursPerWeek: hours.optional(),
    normalHoursPerWeek: hours.optional(),
    noRiskPolicy: z.boolean({ error: 'is not yes or no' }).optional(),
  })
  .strip();

const departmentShape = z
  .object({
    code: text(70),
    name: text(70).optional(),
    parentCode: text(70).optional(),
  })
  .strip();

const candidateShape = z.object({
  employee: employeeShape,
  employments: z.array(employmentShape).min(1, 'has no employment'),
  departments: z.array(departmentShape),
});

const partialCandidateShape = z.object({
  employee: employeeShape.extend({ lastName: text(200).optional() }),
  employments: z.array(employmentShape).min(1, 'has no employment'),
  departments: z.array(departmentShape),
});

/** Why a vault value is wrong, without showing it. */
const vaultReasons: Record<string, string> = {
  bsn: 'fails the 11-check',
  postcode: 'is not a Dutch postcode such as 1234AB',
  country: 'is not a two-letter country code such as NL',
  emailAddresses: 'is not an e-mail address',
  ibans: 'is not an IBAN',
  phoneNumbers: 'is not a phone number (at most 40 characters)',
};

export type ValidationOutcome = { ok: true; candidate: Candidate } | { ok: false; problems: FieldProblem[] };

/**
 * Checks a mapped record; returns the candidate with normalised values (BSN as nine digits,
 * postcode as 1234AB) or every problem found. `labels` name each field as the source does
 * (`Geboortedatum`, `Dnstvbnd[2]/Ingdat`), keyed by `employee.birthDate`, `employments[1].startDate`.
 */
export function validateCandidate(
  input: CandidateInput,
  labelsOf: Map<string, string> | ((field: string) => string | undefined) = new Map(),
  options: { fastPath?: boolean } = {},
): ValidationOutcome {
  if (options.fastPath !== false) {
    const quick = quickValidate(input, today());
    if (quick) return { ok: true, candidate: quick };
  }
  const labels = typeof labelsOf === 'function' ? { get: labelsOf } : labelsOf;
  const problems: FieldProblem[] = [];
  const shape = (input.partial ? partialCandidateShape : candidateShape).safeParse({
    employee: input.employee,
    employments: input.employments,
    departments: input.departments,
  });
  if (!shape.success) {
    for (const issue of shape.error.issues) {
      const field = fieldPath(issue.path);
      const value = valueAt(input, issue.path);
      problems.push({
        field,
        reason: sentence(labels.get(field) ?? lastName(field), value, issue.message, false),
      });
    }
  }

  const vault = vaultFieldsSchema.safeParse(input.vault);
  if (!vault.success) {
    const done = new Set<string>();
    for (const issue of vault.error.issues) {
      const name = String(issue.path[0] ?? '');
      if (done.has(name)) continue;
      done.add(name);
      const field = `vault.${name}`;
      const label = labels.get(field) ?? name;
      if (!(vaultFieldNames as readonly string[]).includes(name)) {
        problems.push({ field, reason: `${label} is not a vault field` });
      } else if (name === 'bsn') {
        problems.push({
          field,
          reason:
            label.toUpperCase() === 'BSN' ? 'BSN fails the 11-check' : `BSN (${label}) fails the 11-check`,
        });
      } else {
        const reason =
          issue.code === 'too_big'
            ? `is longer than allowed`
            : issue.message === nulReason
              ? nulReason
              : (vaultReasons[name] ?? 'is not valid');
        problems.push({ field, reason: `${label} (a protected field; value not shown) ${reason}` });
      }
    }
  }

  // Rules across fields, on values that are themselves fine.
  const bsn = vault.success ? vault.data.bsn : undefined;
  const isBsn = (field: string, key: string, value: unknown, instead: string) => {
    if (bsn === undefined || !isSameBsn(value, bsn)) return;
    problems.push({
      field,
      reason: `${labels.get(field) ?? key} is the person's BSN (value not shown): a BSN is never a key and never stored in clear; deliver ${instead}`,
    });
  };
  for (const key of ['personnelNumber', 'remoteId'] as const)
    isBsn(
      `employee.${key}`,
      key,
      input.employee[key],
      'the number the payroll or HR system gives the person',
    );
  const employments = input.employments;
  const ids = new Map<string, number>();
  for (let i = 0; i < employments.length; i++) {
    const e = employments[i]!;
    const at = `employments[${i + 1}]`;
    const start = goodDate(e.startDate);
    const end = goodDate(e.endDate);
    const from = goodDate(e.validFrom);
    if (start && end && end < start) {
      problems.push({
        field: `${at}.endDate`,
        reason: `${labels.get(`${at}.endDate`) ?? 'endDate'} ${end} is before ${labels.get(`${at}.startDate`) ?? 'startDate'} ${start}: an employment cannot end before it starts`,
      });
    }
    if (start && from && from < start) {
      problems.push({
        field: `${at}.validFrom`,
        reason: `${labels.get(`${at}.validFrom`) ?? 'validFrom'} ${from} is before ${labels.get(`${at}.startDate`) ?? 'startDate'} ${start}: a change cannot take effect before the employment starts`,
      });
    }
    isBsn(
      `${at}.externalId`,
      'externalId',
      e.externalId,
      'the number the payroll or HR system gives the employment',
    );
    if (typeof e.externalId === 'string' && e.externalId !== '') {
      const before = ids.get(e.externalId);
      if (before !== undefined) {
        problems.push({
          field: `${at}.externalId`,
          reason: `${labels.get(`${at}.externalId`) ?? 'externalId'} "${e.externalId}" is used by employments ${before + 1} and ${i + 1} of this record: each employment needs its own id`,
        });
      } else ids.set(e.externalId, i);
    }
  }
  for (let i = 0; i < input.departments.length; i++) {
    const d = input.departments[i]!;
    if (typeof d.code === 'string' && d.code !== '' && d.parentCode === d.code) {
      const at = `departments[${i + 1}]`;
      problems.push({
        field: `${at}.parentCode`,
        reason: `${labels.get(`${at}.parentCode`) ?? 'parentCode'} "${d.code}" is the department itself: a department cannot be its own parent`,
      });
    }
  }

  if (problems.length > 0 || !shape.success || !vault.success) return { ok: false, problems };
  const employee = { ...shape.data.employee, lastName: shape.data.employee.lastName ?? '' };
  return {
    ok: true,
    candidate: {
      position: input.position,
      employee: { ...employee, vault: vault.data },
      employments: shape.data.employments,
      departments: shape.data.departments,
      ...(input.partial ? { partialEmployee: true as const } : {}),
    },
  };
}

/** True when a value looks like a BSN that passes the 11-check (for `mapping check` output). */
export function bsnStatus(value: unknown): 'valid' | 'invalid' {
  return typeof value === 'string' && isValidBsn(value) && normalizeBsn(value) !== undefined
    ? 'valid'
    : 'invalid';
}

function goodDate(v: unknown): string | undefined {
  return typeof v === 'string' && isCalendarDate(v) ? v : undefined;
}

/** zod path -> problem field: `employee.birthDate`, `employments[1].hoursPerWeek` (1-based). */
function fieldPath(path: PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p + 1}]`;
    else out += (out ? '.' : '') + String(p);
  }
  return out || 'record';
}

function lastName(field: string): string {
  return field.split('.').at(-1) ?? field;
}

function valueAt(input: CandidateInput, path: PropertyKey[]): unknown {
  let node: unknown = input;
  for (const p of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[p as string];
  }
  return node;
}

function sentence(label: string, value: unknown, message: string, secret: boolean): string {
  if (secret || value === undefined || value === null || typeof value === 'object')
    return `${label} ${message}`;
  return `${label} "${String(value)}" ${message}`;
}
