import type { FieldProblem, SourceRecord } from '../types.js';
import { resolveItems, resolveValues, type PathContext, type SourcePath } from './paths.js';
import { filterWhere, firstNonEmpty, readRaw } from './read.js';
import type { TargetKind } from './schema.js';
import { parseBoolean, parseDate, parseNumber, type TransformResult, type Value } from './transforms.js';
import { asText, type CompiledEntry, type CompiledGroup, type Mapping } from './compile.js';

export { compileMapping, MappingCompileError, type Mapping } from './compile.js';
export { sourceColumns } from './element-paths.js';

export interface Draft {
  position: string;
  employee: Record<string, unknown>;
  vault: Record<string, unknown>;
  employments: Record<string, unknown>[];
  departments: Record<string, unknown>[];
  /** How the source names a problem field (`employee.birthDate` -> `Geboortedatum`). */
  labels: (field: string) => string | undefined;
  /** The source carries no names (see Mapping.partial). */
  partial: boolean;
  /** The record's values may stand under the wrong names (see SourceRecord.shifted). */
  shifted?: true | undefined;
  /** Every value of a shifted line (see SourceRecord.cells). */
  cells?: readonly string[] | undefined;
}

const isEmpty = (v: Value): boolean => v === undefined || (typeof v === 'string' && v.trim() === '');

/** Where an entry's value lands, for naming it in a problem (built only when there is one). */
type Scope = 'employee' | 'employments' | 'departments';

function fieldName(entry: CompiledEntry, scope: Scope, index: number): string {
  if (scope === 'employee') return `${entry.section === 'vault' ? 'vault' : 'employee'}.${entry.field}`;
  return `${scope}[${index + 1}].${entry.field}`;
}

function labelName(entry: CompiledEntry, each: SourcePath | undefined, index: number): string {
  return each ? `${each.raw}[${index + 1}]/${entry.label}` : entry.label;
}

/** The labels of a mapping's problem fields, from the field name alone. */
function labelLookup(mapping: Mapping): (field: string) => string | undefined {
  return (field) => {
    const top = /^(employee|vault)\.(\w+)$/.exec(field);
    if (top) {
      const section = top[1] === 'vault' ? 'vault' : 'employee';
      return mapping.employee.find((e) => e.section === section && e.field === top[2])?.label;
    }
    const m = /^(employments|departments)\[(\d+)\]\.(\w+)$/.exec(field);
    if (!m) return undefined;
    const index = Number(m[2]) - 1;
    if (m[1] === 'employments') {
      const entry = mapping.employments.fields.find((e) => e.field === m[3]);
      return entry && labelName(entry, mapping.employments.each, index);
    }
    for (const g of mapping.departments) {
      const entry = g.fields.find((e) => e.field === m[3]);
      if (entry) return entry.label;
    }
    return undefined;
  };
}

const lookups = new WeakMap<Mapping, (field: string) => string | undefined>();

/** Maps one source record without validating it: the draft plus the problems mapping itself found. */
export function mapDraft(mapping: Mapping, record: SourceRecord): { draft: Draft; problems: FieldProblem[] } {
  const problems: FieldProblem[] = record.problems ? [...record.problems] : [];
  const root = record.data;
  let labels = lookups.get(mapping);
  if (!labels) {
    labels = labelLookup(mapping);
    lookups.set(mapping, labels);
  }
  const draft: Draft = {
    position: record.position,
    employee: {},
    vault: {},
    employments: [],
    departments: [],
    labels,
    partial: mapping.partial,
  };
  const rootCtx: PathContext = { root, item: root };
  for (const entry of mapping.employee) {
    const into = entry.section === 'vault' ? draft.vault : draft.employee;
    applyEntry(entry, rootCtx, into, problems, 'employee', undefined, 0);
  }

  const employments = mapping.employments;
  const items = groupItems(employments, root);
  for (let i = 0; i < items.length; i++) {
    const employment: Record<string, unknown> = {};
    const ctx: PathContext = { root, item: items[i]! };
    for (const entry of employments.fields)
      applyEntry(entry, ctx, employment, problems, 'employments', employments.each, i);
    if (isEmpty(employment.externalId as Value) && typeof employment.startDate === 'string') {
      const pn = draft.employee.personnelNumber;
      if (typeof pn === 'string' && pn !== '') employment.externalId = `${pn}-${employment.startDate}`;
    }
    draft.employments.push(employment);
  }

  let seen: Map<string, Record<string, unknown>> | undefined;
  for (const group of mapping.departments) {
    for (const item of groupItems(group, root)) {
      const dept: Record<string, unknown> = {};
      const ctx: PathContext = { root, item };
      const local: FieldProblem[] = [];
      for (const entry of group.fields) {
        applyEntry(entry, ctx, dept, local, 'departments', undefined, draft.departments.length);
      }
      if (local.length > 0) problems.push(...local);
      // A record without (sub-)department gives none; one whose code could not be read has a problem.
      if (isEmpty(dept.code as Value)) continue;
      const code = String(dept.code);
      seen ??= new Map();
      const earlier = seen.get(code);
      if (earlier) {
        // The same department from several employments: fill gaps, keep the first values.
        for (const [k, v] of Object.entries(dept)) if (isEmpty(earlier[k] as Value)) earlier[k] = v;
        continue;
      }
      seen.set(code, dept);
      draft.departments.push(dept);
    }
  }
  // Mapped only for its key (a rejected employee is held, not ended): a problem of a value that
  // stands under the wrong name would quote it.
  if (record.shifted) {
    const shifted = { ...draft, shifted: true as const, cells: record.cells };
    return { draft: shifted, problems: [...(record.problems ?? [])] };
  }
  return { draft, problems };
}

function groupItems(group: CompiledGroup, root: Record<string, unknown>): Record<string, unknown>[] {
  if (!group.each) return [root];
  return filterWhere(resolveItems({ root, item: root }, group.each), group.where, root);
}

// Hot path: no closures are created per call (tsx wraps each new function object, which costs).
function pushProblem(
  problems: FieldProblem[],
  entry: CompiledEntry,
  scope: Scope,
  each: SourcePath | undefined,
  index: number,
  value: Value,
  reason: string | undefined,
  found: boolean,
): void {
  const label = labelName(entry, each, index);
  problems.push({
    field: fieldName(entry, scope, index),
    reason:
      reason === undefined
        ? missing(label, found)
        : describe(label, value, reason, entry.section === 'vault', entry.field),
  });
}

/** Reads, transforms, coerces and checks one entry; writes the value into `into[entry.field]`. */
function applyEntry(
  entry: CompiledEntry,
  ctx: PathContext,
  into: Record<string, unknown>,
  problems: FieldProblem[],
  scope: Scope,
  each: SourcePath | undefined,
  index: number,
): void {
  if (entry.simple) {
    // Most entries read one text value by key (every CSV column): no arrays, no path walking.
    const start = entry.source!.fromRoot ? ctx.root : ctx.item;
    const direct = start[entry.source!.key];
    if (typeof direct === 'string') {
      let v: Value = direct.trim() === '' ? undefined : direct;
      for (let i = 0; v !== undefined && i < entry.transforms.length; i++) {
        const res = entry.transforms[i]!(v);
        if (!res.ok) {
          pushProblem(problems, entry, scope, each, index, v, res.reason, true);
          return;
        }
        v = res.value;
      }
      if (isEmpty(v)) v = entry.spec.default;
      finishScalar(entry, v, true, into, problems, scope, each, index);
      return;
    }
  }
  if (entry.when && firstNonEmpty(resolveValues(ctx, entry.when).values) === undefined) return;
  if (entry.unless && firstNonEmpty(resolveValues(ctx, entry.unless).values) !== undefined) return;
  const values: Value[] = [];
  // Each candidate in turn through the transforms: one they empty (an excluded or unmatched value)
  // gives way to the next, one they refuse is a problem, as bad data must never be skipped.
  let failed: ReturnType<typeof transformInto>;
  const single = entry.kind !== 'list';
  const found = readRaw(entry, ctx, (raw) => {
    failed = transformInto(entry, raw, 0, values);
    return failed !== undefined || (single && values.length > 0);
  });
  if (failed) {
    pushProblem(problems, entry, scope, each, index, failed.value, failed.reason, true);
    return;
  }
  if (values.length === 0 && entry.spec.default !== undefined) values.push(entry.spec.default);

  if (entry.kind === 'list') {
    if (values.length === 0) {
      if (entry.spec.required) pushProblem(problems, entry, scope, each, index, undefined, undefined, found);
      return;
    }
    const list: string[] = [];
    for (const v of values) list.push(asText(v!).trim());
    const existing = into[entry.field];
    into[entry.field] = Array.isArray(existing) ? [...existing, ...list] : list;
    return;
  }

  finishScalar(entry, values[0], found, into, problems, scope, each, index);
}

/**
 * Runs an entry's transforms, in the order written, from `from` on one value and adds the non-empty
 * results to `values`; a `split` there runs the rest on each of its parts.
 */
function transformInto(
  entry: CompiledEntry,
  value: Value,
  from: number,
  values: Value[],
): { value: Value; reason: string } | undefined {
  let v = value;
  for (let i = from; v !== undefined && i < entry.transforms.length; i++) {
    const separator = entry.splitAt?.[i];
    if (separator !== undefined) {
      for (const part of splitValue(separator, asText(v))) {
        const failed = transformInto(entry, part, i + 1, values);
        if (failed) return failed;
      }
      return undefined;
    }
    const res = entry.transforms[i]!(v);
    if (!res.ok) return { value: v, reason: res.reason };
    v = res.value;
  }
  if (!isEmpty(v)) values.push(v);
  return undefined;
}

/** Coerces a single value to the target's kind, checks `required`, and stores it. */
function finishScalar(
  entry: CompiledEntry,
  value: Value,
  found: boolean,
  into: Record<string, unknown>,
  problems: FieldProblem[],
  scope: Scope,
  each: SourcePath | undefined,
  index: number,
): void {
  if (value === undefined) {
    if (entry.spec.required) pushProblem(problems, entry, scope, each, index, undefined, undefined, found);
    return;
  }
  const coerced = coerce(entry.kind, value);
  if (!coerced.ok) {
    pushProblem(problems, entry, scope, each, index, value, coerced.reason, found);
    return;
  }
  if (isEmpty(coerced.value)) {
    if (entry.spec.required) pushProblem(problems, entry, scope, each, index, undefined, undefined, found);
    return;
  }
  into[entry.field] = coerced.value;
}

function splitValue(separator: string, raw: string): string[] {
  return raw
    .split(separator)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function coerce(kind: TargetKind, value: Value): TransformResult {
  switch (kind) {
    case 'string':
      return { ok: true, value: typeof value === 'string' ? value.trim() : String(value) };
    case 'date':
      if (typeof value !== 'string') return { ok: false, reason: 'is not a date' };
      return /^\d{4}-\d{2}-\d{2}$/.test(value.trim())
        ? { ok: true, value: value.trim() }
        : parseDate(value, ['yyyy-mm-dd']);
    case 'number':
      return typeof value === 'number' ? { ok: true, value } : parseNumber(asText(value!));
    case 'boolean':
      return typeof value === 'boolean' ? { ok: true, value } : parseBoolean(asText(value!));
    case 'list':
      return { ok: true, value };
  }
}

/** A problem in words: the source's name, the bad value (never a vault value), and what is wrong. */
export function describe(
  label: string,
  value: Value,
  reason: string,
  secret: boolean,
  field: string,
): string {
  if (field === 'bsn')
    return `BSN (${label}) ${reason === 'is not a valid BSN' ? 'fails the 11-check' : reason}`;
  if (secret) return `${label} (a protected field; value not shown) ${reason}`;
  return `${label} "${String(value)}" ${reason}`;
}

function missing(label: string, found: boolean): string {
  return found
    ? `${label} is empty, and a value is required`
    : `${label} is missing: the delivery has no such column or element (check the header row and the delimiter)`;
}
