import { compilePath, type SourcePath } from './paths.js';
import {
  departmentTargets,
  employeeTargets,
  employmentTargets,
  vaultTargets,
  type EntrySpec,
  type MappingFile,
  type TargetKind,
  type TransformSpec,
} from './schema.js';
import {
  builtInCodeTables,
  lookupCode,
  codeClash,
  makeCodeTable,
  normalizeInitials,
  parseBoolean,
  parseDate,
  parseNumber,
  type CodeTable,
  type TransformResult,
} from './transforms.js';

/** A mapping file, checked and compiled for fast use on every record. */
export interface Mapping {
  file: string;
  name: string;
  description?: string | undefined;
  connector?: 'csv' | 'sivi' | undefined;
  /** True when records carry no names (candidates get `partialEmployee`). */
  partial: boolean;
  spec: MappingFile;
  employee: CompiledEntry[];
  employments: CompiledGroup;
  departments: CompiledGroup[];
}

type Transform = (value: string | number | boolean) => TransformResult;

export interface CompiledEntry {
  target: string;
  /** Where the value lands: `employee`, `vault`, `employment` or `department`. */
  section: 'employee' | 'vault' | 'employment' | 'department';
  field: string;
  kind: TargetKind;
  label: string;
  spec: EntrySpec;
  source?: SourcePath | undefined;
  firstOf?: SourcePath[] | undefined;
  concat?: Array<SourcePath | { constant: string }> | undefined;
  when?: SourcePath | undefined;
  unless?: SourcePath | undefined;
  each?: SourcePath | undefined;
  where?: Array<{ path: SourcePath; values: Set<string> }> | undefined;
  transforms: Transform[];
  /** Reads one value by key: `source` only, no `each`, `when` or `unless`, not a list (so no `split` either). */
  simple: boolean;
  /**
   * The separator of each `split` transform by its place in `transforms` (where its own slot passes
   * the value on); undefined when there is none. Transforms after a split apply to each part.
   */
  splitAt?: Array<string | undefined> | undefined;
}

export interface CompiledGroup {
  each?: SourcePath | undefined;
  where?: Array<{ path: SourcePath; values: Set<string> }> | undefined;
  fields: CompiledEntry[];
}

/** Thrown by compile for problems that zod cannot see (unknown target, unknown code table). */
export class MappingCompileError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

/** Turns a checked mapping file into a Mapping (paths split, regexes compiled, code tables resolved). */
export function compileMapping(file: string, spec: MappingFile): Mapping {
  const tables = new Map<string, CodeTable>();
  for (const [name, entries] of Object.entries(builtInCodeTables))
    tables.set(name, makeCodeTable(name, entries));
  for (const [name, t] of Object.entries(spec.codeTables)) {
    const clash = codeClash(t.map, t.caseSensitive);
    if (clash) throw new MappingCompileError(`codeTables.${name}.map`, clash);
    tables.set(name, makeCodeTable(name, t.map, t.caseSensitive));
  }

  const employee = spec.employee.map((e, i) => compileEntry(e, `employee[${i}]`, 'employee', tables));
  const employments: CompiledGroup = {
    each: spec.employments.each ? compilePath(spec.employments.each) : undefined,
    where: compileWhere(spec.employments.where),
    fields: spec.employments.fields.map((e, i) =>
      compileEntry(e, `employments.fields[${i}]`, 'employment', tables),
    ),
  };
  const departments = spec.departments.map((g, gi) => ({
    each: g.each ? compilePath(g.each) : undefined,
    where: compileWhere(g.where),
    fields: g.fields.map((e, i) => compileEntry(e, `departments[${gi}].fields[${i}]`, 'department', tables)),
  }));
  checkRequiredTargets(
    employee,
    spec.employeeData === 'partial' ? ['personnelNumber'] : ['personnelNumber', 'lastName'],
    'employee',
  );
  checkRequiredTargets(employments.fields, ['startDate'], 'employments.fields');
  departments.forEach((g, i) => checkRequiredTargets(g.fields, ['code'], `departments[${i}].fields`));
  return {
    file,
    name: spec.name,
    description: spec.description,
    connector: spec.connector,
    partial: spec.employeeData === 'partial',
    spec,
    employee,
    employments,
    departments,
  };
}

/**
 * Entries whose target carries data of its own (a name, a BSN, a department). The previous id of a
 * renumbered employment and the date terms hold from do not: a delivery without them loses nothing.
 */
export const readsData = (e: CompiledEntry): boolean =>
  !(e.section === 'employment' && (e.field === 'previousExternalId' || e.field === 'validFrom'));

function checkRequiredTargets(entries: CompiledEntry[], needed: string[], where: string): void {
  for (const t of needed) {
    if (!entries.some((e) => e.field === t && e.section !== 'vault')) {
      throw new MappingCompileError(where, `has no entry with target "${t}", which every record needs`);
    }
  }
}

function compileWhere(where: Record<string, string | string[]> | undefined) {
  if (!where) return undefined;
  return Object.entries(where).map(([p, v]) => ({
    path: compilePath(p),
    values: new Set(Array.isArray(v) ? v : [v]),
  }));
}

function compileEntry(
  e: EntrySpec,
  at: string,
  section: 'employee' | 'employment' | 'department',
  tables: Map<string, CodeTable>,
): CompiledEntry {
  let targetSection: CompiledEntry['section'] = section;
  let field = e.target;
  let kind: TargetKind | undefined;
  if (section === 'employee') {
    if (e.target.startsWith('vault.')) {
      targetSection = 'vault';
      field = e.target.slice('vault.'.length);
      kind = (vaultTargets as Record<string, TargetKind>)[field];
    } else {
      kind = (employeeTargets as Record<string, TargetKind>)[field];
    }
  } else if (section === 'employment') {
    kind = (employmentTargets as Record<string, TargetKind>)[field];
  } else {
    kind = (departmentTargets as Record<string, TargetKind>)[field];
  }
  if (!kind) {
    const known =
      section === 'employee'
        ? [...Object.keys(employeeTargets), ...Object.keys(vaultTargets).map((k) => `vault.${k}`)]
        : section === 'employment'
          ? Object.keys(employmentTargets)
          : Object.keys(departmentTargets);
    throw new MappingCompileError(
      `${at}.target`,
      `unknown target "${e.target}"; known targets here: ${known.join(', ')}`,
    );
  }
  // `each` on a scalar target is allowed: it takes the first item that has a value. A split is not:
  // keeping one of its parts without a word would hide a mistake in the mapping.
  const split = kind === 'list' ? -1 : e.transforms.findIndex(isSplit);
  if (split !== -1) {
    const lists = Object.keys(vaultTargets)
      .filter((k) => (vaultTargets as Record<string, TargetKind>)[k] === 'list')
      .map((k) => `vault.${k}`);
    throw new MappingCompileError(
      `${at}.transforms[${split}]`,
      `split gives several values, but target "${e.target}" takes one value (only ${lists.slice(0, -1).join(', ')} and ${lists.at(-1)} take several): remove the split, or pick one part with match or replace`,
    );
  }
  const transforms = e.transforms.map((t, i) => compileTransform(t, `${at}.transforms[${i}]`, tables));
  const source = e.source !== undefined ? compilePath(e.source) : undefined;
  const firstOf = e.firstOf?.map(compilePath);
  const concat = e.concat?.map((p) => (typeof p === 'string' ? compilePath(p) : p));
  const label =
    e.label ??
    e.source ??
    e.firstOf?.join(' / ') ??
    e.concat?.map((p) => (typeof p === 'string' ? p : JSON.stringify(p.constant))).join(' + ') ??
    e.target;
  return {
    target: e.target,
    section: targetSection,
    field,
    kind,
    label: e.each && !e.label ? `${e.each}/${label}` : label,
    spec: e,
    source,
    firstOf,
    concat,
    when: e.when !== undefined ? compilePath(e.when) : undefined,
    unless: e.unless !== undefined ? compilePath(e.unless) : undefined,
    each: e.each !== undefined ? compilePath(e.each) : undefined,
    where: compileWhere(e.where),
    transforms,
    splitAt: e.transforms.some(isSplit)
      ? e.transforms.map((t) => (isSplit(t) ? t.split : undefined))
      : undefined,
    simple:
      source !== undefined &&
      e.each === undefined &&
      e.when === undefined &&
      e.unless === undefined &&
      kind !== 'list',
  };
}

function isSplit(t: TransformSpec): t is { split: string } {
  return typeof t === 'object' && 'split' in t;
}

export function asText(v: string | number | boolean): string {
  return typeof v === 'string' ? v : String(v);
}

function compileTransform(t: TransformSpec, at: string, tables: Map<string, CodeTable>): Transform {
  if (typeof t === 'string') {
    switch (t) {
      case 'trim':
        return (v) => ({ ok: true, value: typeof v === 'string' ? v.trim() : v });
      case 'upper':
        return (v) => ({ ok: true, value: asText(v).toUpperCase() });
      case 'lower':
        return (v) => ({ ok: true, value: asText(v).toLowerCase() });
      case 'collapseSpaces':
        return (v) => ({ ok: true, value: asText(v).replace(/\s+/g, ' ').trim() });
      case 'digits':
        // Separators go; anything else (a letter, "onbekend", "n.v.t.") is a problem, never read as
        // "no value": that would erase the stored value.
        return (v) => {
          const text = asText(v);
          if (/[^\d\s.\-/+()]/.test(text)) {
            return {
              ok: false,
              reason: 'holds characters other than digits and separators (space . - / + ( ))',
            };
          }
          return { ok: true, value: text.replace(/\D+/g, '') };
        };
      case 'decimalComma':
        return (v) => {
          if (typeof v === 'number') return { ok: true, value: v };
          const raw = asText(v).trim().replace(/\s+/g, '');
          // Dots group thousands (1.234,5) only before a comma or in groups of three; else a dot is
          // the decimal point of an export that does not use the comma (6.5, 32.00).
          const comma = raw.includes(',');
          // With a comma, dots may only group thousands before it (1,234.5 is no number here).
          if (comma && !/^[+-]?(\d{1,3}(\.\d{3})+|\d*),\d*$/.test(raw)) {
            return { ok: false, reason: 'is not a number with a decimal comma (such as 32,5)' };
          }
          const grouping = comma || /^[+-]?\d{1,3}(\.\d{3})+$/.test(raw);
          const text = grouping ? raw.replace(/\./g, '').replace(',', '.') : raw;
          if (text === '') return { ok: true, value: undefined };
          if (!/^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(text)) {
            return { ok: false, reason: 'is not a number with a decimal comma (such as 32,5)' };
          }
          return { ok: true, value: Number(text) };
        };
      case 'number':
        return (v) => (typeof v === 'number' ? { ok: true, value: v } : parseNumber(asText(v)));
      case 'boolean':
        return (v) => (typeof v === 'boolean' ? { ok: true, value: v } : parseBoolean(asText(v)));
      case 'initials':
        return (v) => ({ ok: true, value: normalizeInitials(asText(v)) });
    }
  }
  if ('date' in t) {
    const accepted = Array.isArray(t.date) ? t.date : [t.date];
    return (v) => (asText(v).trim() === '' ? { ok: true, value: undefined } : parseDate(asText(v), accepted));
  }
  if ('codes' in t) {
    let table: CodeTable | undefined;
    if (typeof t.codes === 'string') {
      table = tables.get(t.codes);
      if (!table) {
        throw new MappingCompileError(
          `${at}.codes`,
          `unknown code table "${t.codes}"; define it under codeTables or use one of ${[...tables.keys()].join(', ')}`,
        );
      }
    } else {
      const clash = codeClash(t.codes);
      if (clash) throw new MappingCompileError(`${at}.codes`, clash);
      table = makeCodeTable('', t.codes); // an inline table has no name of its own
    }
    const found = table;
    const unknown = t.unknown;
    return (v) => {
      const r = lookupCode(found, asText(v));
      if (r.ok || unknown === 'error') return r;
      return unknown === 'keep' ? { ok: true, value: v } : { ok: true, value: undefined };
    };
  }
  if ('match' in t) {
    const re = new RegExp(t.match, 'u');
    return (v) => ({ ok: true, value: re.test(asText(v)) ? v : undefined });
  }
  if ('exclude' in t) {
    const re = new RegExp(t.exclude, 'u');
    return (v) => ({ ok: true, value: re.test(asText(v)) ? undefined : v });
  }
  if ('replace' in t) {
    const re = new RegExp(t.replace.pattern, 'gu');
    const by = t.replace.with;
    return (v) => ({ ok: true, value: asText(v).replace(re, by) });
  }
  if ('prefix' in t) {
    const p = t.prefix;
    return (v) => ({ ok: true, value: asText(v) === '' ? v : p + asText(v) });
  }
  if ('suffix' in t) {
    const s = t.suffix;
    return (v) => ({ ok: true, value: asText(v) === '' ? v : asText(v) + s });
  }
  // `split` is handled by the entry (one value becomes several), not here.
  return (v) => ({ ok: true, value: v });
}

/** A record as mapped, before validation: values may still be of the wrong shape. */
