/** Pure value transforms of the mapping layer: dates, numbers, booleans, code tables. */

/** A mapped value on its way to a target. */
export type Value = string | number | boolean | undefined;

/**
 * True when `YYYY-MM-DD` exists in the calendar (same answer as domain `isRealDate` for years
 * 100-9999, without building Date objects: this runs for every date of every record).
 */
export function isCalendarDate(iso: string): boolean {
  if (iso.length !== 10 || iso.charCodeAt(4) !== 45 || iso.charCodeAt(7) !== 45) return false;
  let y = 0;
  for (let i = 0; i < 4; i++) {
    const c = iso.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return false;
    y = y * 10 + c;
  }
  const m1 = iso.charCodeAt(5) - 48;
  const m2 = iso.charCodeAt(6) - 48;
  const d1 = iso.charCodeAt(8) - 48;
  const d2 = iso.charCodeAt(9) - 48;
  if (m1 < 0 || m1 > 9 || m2 < 0 || m2 > 9 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9) return false;
  const m = m1 * 10 + m2;
  const d = d1 * 10 + d2;
  if (y < 100 || m < 1 || m > 12 || d < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const days = m === 2 ? (leap ? 29 : 28) : m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
  return d <= days;
}

/** A transform either gives a new value or says, in words, why it cannot. */
export type TransformResult = { ok: true; value: Value } | { ok: false; reason: string };

interface DateFormat {
  re: RegExp;
  /** Indices of year, month, day in the match. */
  ymd: [number, number, number];
}

const dmy = (sep: string, digits: 'fixed' | 'loose'): DateFormat => {
  const d = digits === 'fixed' ? '(\\d{2})' : '(\\d{1,2})';
  const s = sep === '.' ? '\\.' : sep;
  return { re: new RegExp(`^${d}${s}${d}${s}(\\d{4})$`), ymd: [3, 2, 1] };
};

const formats = {
  'dd-mm-yyyy': dmy('-', 'fixed'),
  'd-m-yyyy': dmy('-', 'loose'),
  'dd/mm/yyyy': dmy('/', 'fixed'),
  'd/m/yyyy': dmy('/', 'loose'),
  'dd.mm.yyyy': dmy('.', 'fixed'),
  'd.m.yyyy': dmy('.', 'loose'),
  'yyyy-mm-dd': { re: /^(\d{4})-(\d{2})-(\d{2})$/, ymd: [1, 2, 3] },
  yyyymmdd: { re: /^(\d{4})(\d{2})(\d{2})$/, ymd: [1, 2, 3] },
  // xsd:date as SIVI writes it: yyyy-mm-dd with an optional time zone, which a calendar date ignores.
  'xsd:date': { re: /^(\d{4})-(\d{2})-(\d{2})(?:Z|[+-]\d{2}:\d{2})?$/, ymd: [1, 2, 3] },
} satisfies Record<string, DateFormat>;

export type DateFormatName = keyof typeof formats;
export const dateFormatNames = Object.keys(formats) as [DateFormatName, ...DateFormatName[]];

/**
 * Parses a date in one of the given formats into `YYYY-MM-DD`. Fails with a reason when no format
 * matches or the date does not exist (31-02-2024).
 */
export function parseDate(input: string, accepted: readonly DateFormatName[]): TransformResult {
  const text = input.trim();
  for (const name of accepted) {
    const f: DateFormat = formats[name];
    const m = f.re.exec(text);
    if (!m) continue;
    const iso = `${m[f.ymd[0]]}-${m[f.ymd[1]]!.padStart(2, '0')}-${m[f.ymd[2]]!.padStart(2, '0')}`;
    if (!isCalendarDate(iso)) return { ok: false, reason: 'is not an existing calendar date' };
    return { ok: true, value: iso };
  }
  return {
    ok: false,
    reason: `is not a date in the format ${accepted.length === 1 ? accepted[0] : `${accepted.slice(0, -1).join(', ')} or ${accepted.at(-1)}`}`,
  };
}

/** Formats `YYYY-MM-DD` in one of the date formats (the inverse of parseDate; used in tests and docs). */
export function formatDate(iso: string, format: DateFormatName): string {
  const [y, m, d] = iso.split('-') as [string, string, string];
  const loose = (v: string) => String(Number(v));
  switch (format) {
    case 'dd-mm-yyyy':
      return `${d}-${m}-${y}`;
    case 'd-m-yyyy':
      return `${loose(d)}-${loose(m)}-${y}`;
    case 'dd/mm/yyyy':
      return `${d}/${m}/${y}`;
    case 'd/m/yyyy':
      return `${loose(d)}/${loose(m)}/${y}`;
    case 'dd.mm.yyyy':
      return `${d}.${m}.${y}`;
    case 'd.m.yyyy':
      return `${loose(d)}.${loose(m)}.${y}`;
    case 'yyyy-mm-dd':
    case 'xsd:date':
      return iso;
    case 'yyyymmdd':
      return `${y}${m}${d}`;
  }
}

/**
 * Parses a number written with a decimal comma or point ("36,5", "36.50", "1.234,5"). A value with
 * both a point and a comma takes the last one as decimal separator.
 */
export function parseNumber(input: string): TransformResult {
  let text = input.trim().replace(/\s+/g, '');
  if (text === '') return { ok: true, value: undefined };
  const comma = text.lastIndexOf(',');
  const point = text.lastIndexOf('.');
  if (comma !== -1 && point !== -1) {
    text = comma > point ? text.replace(/\./g, '').replace(',', '.') : text.replace(/,/g, '');
  } else if (comma !== -1) {
    if (text.indexOf(',') !== comma) return { ok: false, reason: 'is not a number' };
    text = text.replace(',', '.');
  }
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(text)) return { ok: false, reason: 'is not a number' };
  return { ok: true, value: Number(text) };
}

const truthy = new Set(['J', 'JA', 'Y', 'YES', 'TRUE', 'WAAR', '1', 'X']);
const falsy = new Set(['N', 'NEE', 'NO', 'FALSE', 'ONWAAR', '0']);

/** Yes/no in the ways Dutch exports write it: ja/nee, j/n, 1/0, true/false, waar/onwaar, x. */
export function parseBoolean(input: string): TransformResult {
  const key = input.trim().toUpperCase();
  if (key === '') return { ok: true, value: undefined };
  if (truthy.has(key)) return { ok: true, value: true };
  if (falsy.has(key)) return { ok: true, value: false };
  return { ok: false, reason: 'is not yes or no (expected ja/nee, j/n, 1/0 or true/false)' };
}

/** Built-in code tables (source code -> target code, in the order shown in messages); mapping files can add their own. */
export const builtInCodeTables: Record<string, Array<[string, string]>> = {
  gender: [
    ['M', 'M'],
    ['V', 'V'],
    ['O', 'O'],
    ['man', 'M'],
    ['vrouw', 'V'],
    ['onbekend', 'O'],
    ['1', 'M'],
    ['2', 'V'],
    ['0', 'O'],
    ['9', 'O'],
    ['mannelijk', 'M'],
    ['vrouwelijk', 'V'],
    ['anders', 'O'],
    ['overig', 'O'],
    ['X', 'O'],
    ['male', 'M'],
    ['female', 'V'],
    ['F', 'V'],
  ],
  contract: [
    ['B', 'B'],
    ['O', 'O'],
    ['bepaald', 'B'],
    ['onbepaald', 'O'],
    ['bepaalde tijd', 'B'],
    ['onbepaalde tijd', 'O'],
    ['tijdelijk', 'B'],
    ['vast', 'O'],
  ],
};

export interface CodeTable {
  name: string;
  map: Map<string, string>;
  caseSensitive: boolean;
  /** Source codes as written in the table, for messages. */
  codes: string[];
}

export function codeKey(input: string, caseSensitive: boolean): string {
  const k = input.trim().replace(/\s+/g, ' ');
  return caseSensitive ? k : k.toUpperCase();
}

export function makeCodeTable(
  name: string,
  entries: Record<string, string> | Array<[string, string]>,
  caseSensitive = false,
): CodeTable {
  const pairs = Array.isArray(entries) ? entries : Object.entries(entries);
  const map = new Map<string, string>();
  for (const [from, to] of pairs) map.set(codeKey(from, caseSensitive), to);
  return { name, map, caseSensitive, codes: pairs.map(([from]) => from) };
}

/**
 * Two codes of a table that are one code as the table reads them (case and spaces do not count
 * unless it is case sensitive) but give different values: one of them would silently win.
 */
export function codeClash(
  entries: Record<string, string> | Array<[string, string]>,
  caseSensitive = false,
): string | undefined {
  const pairs = Array.isArray(entries) ? entries : Object.entries(entries);
  const seen = new Map<string, [string, string]>();
  for (const [from, to] of pairs) {
    const key = codeKey(from, caseSensitive);
    const before = seen.get(key);
    if (before && before[1] !== to) {
      return (
        `the codes "${before[0]}" and "${from}" are one code as the table reads them (${caseSensitive ? 'spaces do' : 'case and spaces do'} not count) ` +
        `but give ${before[1]} and ${to}: keep one of them${caseSensitive ? '' : ', or set caseSensitive: true'}`
      );
    }
    seen.set(key, [from, to]);
  }
  return undefined;
}

/** Looks a code up; the reason for an unknown code lists what the table accepts. */
export function lookupCode(table: CodeTable, input: string): TransformResult {
  if (input.trim() === '') return { ok: true, value: undefined };
  const hit = table.map.get(codeKey(input, table.caseSensitive));
  if (hit !== undefined) return { ok: true, value: hit };
  const shown = table.codes.slice(0, 8).join(', ') + (table.codes.length > 8 ? ', ...' : '');
  return {
    ok: false,
    reason: `is not a known ${table.name ? `${table.name} ` : ''}code (expected one of ${shown})`,
  };
}

/**
 * A given name where initials were expected ("Jan", "Willem", "IJsbrand"): a capital and at least two
 * lower-case letters, and with a point after it at least four letters ("Maria."). Lower case only
 * ("jhm") or capitals only ("JAN") are read as initials; so are "Th." and "Chr.", with their point.
 */
const givenName = /^(\p{Lu}\p{Ll}{2,}|IJ\p{Ll}+)$/u;

/**
 * Initials as "J.A." from "JA", "J A", "j.a" or "J.A."; a part written with its point stays as written
 * ("Th.", "Chr."); a given name delivered as initials counts with its first letter, the Dutch "IJ" as
 * one ("Jan Willem" -> "J.W.", "IJsbrand" -> "IJ.", not "J.A.N.W.I.L.L.E.M.").
 */
export function normalizeInitials(input: string): string {
  let out = '';
  for (const [, part, point] of input.matchAll(/(\p{L}+)(\.?)/gu)) {
    // With its point, a name of four letters or more ("Maria.") is a name still; "Chr." an initial.
    const name = givenName.test(part!) && (!point || part!.length > 3);
    if (name) out += part!.startsWith('IJ') ? 'IJ.' : part!.charAt(0) + '.';
    else if (point) out += part!.charAt(0).toUpperCase() + part!.slice(1) + '.';
    else for (const c of part!) out += c.toUpperCase() + '.';
  }
  return out;
}
