import { z } from 'zod';
import { isSameBsn, isValidBsn } from '../domain/bsn.js';
import { isStorableText } from '../domain/text.js';
import { isCalendarDate } from './mapping/transforms.js';
import type { VaultFields } from '../vault/fields.js';
import type { Candidate } from './types.js';
import type { CandidateInput } from './validate.js';

/**
 * A quick check that accepts a mapped record only when it is certainly valid and already in its
 * normalised form, so that the zod schemas in validate.ts would return it unchanged (postcodes and
 * IBANs are normalised here exactly as the vault schema does it). Anything unusual (an untrimmed
 * value, a date in another format, an unknown key) returns
 * undefined and goes the full zod way, which also words the problems. On large deliveries nearly
 * every record takes this path; test/unit/validate-fast.test.ts checks that both paths agree.
 */

/** Bounds of an employment's dates (start, end, terms from): years 1900-2099. */
export const EARLIEST_EMPLOYMENT_DATE = '1900-01-01';
export const LATEST_EMPLOYMENT_DATE = '2099-12-31';

const employeeText: Record<string, number> = {
  personnelNumber: 35,
  remoteId: 40,
  initials: 20,
  firstName: 35,
  namePrefix: 20,
  lastName: 200,
};
const employeeOther = new Set(['gender', 'birthDate']);
const vaultText: Record<string, number> = {
  legalFirstNames: 200,
  legalLastName: 200,
  street: 80,
  houseNumber: 10,
  houseNumberSuffix: 10,
  town: 80,
};
/** The longest employment id: room for one derived from a personnel number and a start date. */
export const employmentIdMax = 46;

const employmentText: Record<string, number> = {
  externalId: employmentIdMax,
  previousExternalId: employmentIdMax,
  endReason: 200,
  departmentCode: 70,
  functionCode: 15,
  functionName: 35,
};
const departmentText: Record<string, number> = { code: 70, name: 70, parentCode: 70 };

/** A trimmed, non-empty string of at most `max` UTF-16 units (what zod's trim().min(1).max() accepts unchanged). */
function okText(v: unknown, max: number): boolean {
  if (typeof v !== 'string' || v.length === 0 || v.length > max) return false;
  // zod's trim() uses String.prototype.trim; equal length means nothing to trim.
  return v.trim().length === v.length && isStorableText(v);
}

function okHours(v: unknown): boolean {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 80;
}

export function quickValidate(input: CandidateInput, today: string): Candidate | undefined {
  const e = input.employee;
  for (const key in e) {
    const v = e[key];
    if (v === undefined) continue;
    const max = employeeText[key];
    if (max !== undefined) {
      if (!okText(v, max)) return undefined;
    } else if (!employeeOther.has(key)) return undefined;
  }
  if (e.personnelNumber === undefined) return undefined;
  if (e.lastName === undefined && !input.partial) return undefined;
  if (e.gender !== undefined && e.gender !== 'M' && e.gender !== 'V' && e.gender !== 'O') return undefined;
  if (e.birthDate !== undefined) {
    const d = e.birthDate;
    if (typeof d !== 'string' || !isCalendarDate(d) || d < '1900-01-01' || d > today) return undefined;
  }

  const vault = quickVault(input.vault);
  if (!vault) return undefined;
  if (
    vault.bsn !== undefined &&
    (isSameBsn(e.personnelNumber, vault.bsn) || isSameBsn(e.remoteId, vault.bsn))
  )
    return undefined;

  const employments = input.employments;
  if (employments.length === 0) return undefined;
  for (let i = 0; i < employments.length; i++) {
    const m = employments[i]!;
    if (vault.bsn !== undefined && isSameBsn(m.externalId, vault.bsn)) return undefined;
    for (const key in m) {
      const v = m[key];
      if (v === undefined) continue;
      const max = employmentText[key];
      if (max !== undefined) {
        if (!okText(v, max)) return undefined;
        continue;
      }
      switch (key) {
        case 'startDate':
        case 'endDate':
        case 'validFrom':
          if (typeof v !== 'string' || !isCalendarDate(v)) return undefined;
          if (v < EARLIEST_EMPLOYMENT_DATE || v > LATEST_EMPLOYMENT_DATE) return undefined;
          break;
        case 'contractType':
          if (v !== 'B' && v !== 'O') return undefined;
          break;
        case 'hoursPerWeek':
        case 'normalHoursPerWeek':
          if (!okHours(v)) return undefined;
          break;
        case 'noRiskPolicy':
          if (typeof v !== 'boolean') return undefined;
          break;
        default:
          return undefined;
      }
    }
    const start = m.startDate as string | undefined;
    if (start === undefined || m.externalId === undefined) return undefined;
    if (m.endDate !== undefined && (m.endDate as string) < start) return undefined;
    if (m.validFrom !== undefined && (m.validFrom as string) < start) return undefined;
    for (let j = 0; j < i; j++) if (employments[j]!.externalId === m.externalId) return undefined;
  }

  for (const d of input.departments) {
    for (const key in d) {
      const v = d[key];
      if (v === undefined) continue;
      const max = departmentText[key];
      if (max === undefined || !okText(v, max)) return undefined;
    }
    if (d.code === undefined || d.parentCode === d.code) return undefined;
  }

  const employee = {
    ...dropUndefined(e),
    lastName: (e.lastName as string | undefined) ?? '',
  } as Candidate['employee'];
  employee.vault = vault;
  const candidate: Candidate = {
    position: input.position,
    employee,
    employments: employments.map(dropUndefined) as unknown as Candidate['employments'],
    departments: input.departments.map(dropUndefined) as unknown as Candidate['departments'],
  };
  if (input.partial) candidate.partialEmployee = true;
  return candidate;
}

/**
 * Vault fields that are certainly valid, normalised as the vault schema would give them, or
 * undefined when the vault schema has to decide (and word the problem).
 */
export function quickVault(input: Record<string, unknown>): VaultFields | undefined {
  let vault = input;
  for (const key in vault) {
    const v = vault[key];
    if (v === undefined) continue;
    const max = vaultText[key];
    if (max !== undefined) {
      if (!okText(v, max)) return undefined;
      continue;
    }
    switch (key) {
      case 'bsn':
        if (typeof v !== 'string' || !/^\d{9}$/.test(v) || !isValidBsn(v)) return undefined;
        break;
      case 'postcode': {
        // The vault schema's own normalisation (`1234 ab` -> `1234AB`), so the result is what zod gives.
        if (typeof v !== 'string') return undefined;
        const postcode = normalizeCode(v);
        if (!/^[1-9]\d{3}[A-Z]{2}$/.test(postcode)) return undefined;
        if (postcode !== v) vault = { ...vault, postcode };
        break;
      }
      case 'country':
        if (typeof v !== 'string' || !/^[A-Z]{2}$/.test(v)) return undefined;
        break;
      case 'phoneNumbers':
        if (!Array.isArray(v) || v.length > 9) return undefined;
        for (const p of v) if (!okText(p, 40)) return undefined;
        break;
      case 'ibans': {
        if (!Array.isArray(v) || v.length > 9) return undefined;
        const ibans: string[] = [];
        for (const p of v) {
          if (typeof p !== 'string') return undefined;
          const iban = normalizeCode(p);
          if (!/^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$/.test(iban)) return undefined;
          ibans.push(iban);
        }
        if (ibans.some((iban, i) => iban !== v[i])) vault = { ...vault, ibans };
        break;
      }
      case 'emailAddresses':
        // The same rule as z.email() in the vault schema.
        if (!Array.isArray(v) || v.length > 9) return undefined;
        for (const p of v)
          if (typeof p !== 'string' || p.length > 254 || !z.regexes.email.test(p)) return undefined;
        break;
      default:
        return undefined;
    }
  }
  return dropUndefined(vault) as VaultFields;
}

/** Whitespace removed and upper case, as the vault schema normalises postcodes and IBANs. */
function normalizeCode(v: string): string {
  return /[\sa-z]/.test(v) ? v.replace(/\s+/g, '').toUpperCase() : v;
}

/** The object itself when it has no undefined values (the mapper never writes any), else a copy without them. */
function dropUndefined(o: Record<string, unknown>): Record<string, unknown> {
  let clean = true;
  for (const key in o) {
    if (o[key] === undefined) {
      clean = false;
      break;
    }
  }
  if (clean) return o;
  const out: Record<string, unknown> = {};
  for (const key in o) if (o[key] !== undefined) out[key] = o[key];
  return out;
}
