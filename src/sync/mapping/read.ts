/** Reading the raw source text of a mapping entry from a record, before any transform. */
import { asText, type CompiledEntry } from './compile.js';
import { resolveItems, resolveValues, type PathContext } from './paths.js';

/** The items of a repeated group that match `where` (all items without it). */
export function filterWhere(
  items: Record<string, unknown>[],
  where: CompiledEntry['where'],
  root: Record<string, unknown>,
): Record<string, unknown>[] {
  if (!where) return items;
  return items.filter((item) =>
    where.every((w) => resolveValues({ root, item }, w.path).values.some((v) => w.values.has(v.trim()))),
  );
}

/** The first value that is not blank, as written. */
export function firstNonEmpty(values: string[]): string | undefined {
  for (const v of values) if (v.trim() !== '') return v;
  return undefined;
}

/** The raw text(s) an entry reads before transforms, and whether its source exists at all. */
export function readRaw(entry: CompiledEntry, ctx: PathContext): { raw: string[]; found: boolean } {
  const list = entry.kind === 'list';
  if (entry.spec.constant !== undefined) return { raw: [asText(entry.spec.constant)], found: true };
  if (entry.each) {
    let items = resolveItems(ctx, entry.each);
    items = filterWhere(items, entry.where, ctx.root);
    const raw: string[] = [];
    let found = items.length > 0;
    for (const item of items) {
      const inner = readRaw({ ...entry, each: undefined }, { root: ctx.root, item });
      found ||= inner.found;
      raw.push(...inner.raw);
      if (!list && raw.some((r) => r.trim() !== '')) break;
    }
    return { raw, found };
  }
  if (entry.source) {
    // Fast path for the common case (a CSV column, or a leaf element of the item).
    const start = entry.source.fromRoot ? ctx.root : ctx.item;
    const direct = start[entry.source.key];
    if (typeof direct === 'string')
      return direct.trim() === '' ? { raw: [], found: true } : { raw: [direct], found: true };
    const { values, found } = resolveValues(ctx, entry.source);
    if (list) return { raw: values, found };
    const first = firstNonEmpty(values);
    return { raw: first !== undefined ? [first] : [], found };
  }
  if (entry.firstOf) {
    let found = false;
    const raw: string[] = [];
    for (const p of entry.firstOf) {
      const r = resolveValues(ctx, p);
      found ||= r.found;
      if (list) {
        for (const v of r.values) if (v.trim() !== '') raw.push(v);
      } else {
        const first = firstNonEmpty(r.values);
        if (first !== undefined) return { raw: [first], found: true };
      }
    }
    return { raw, found };
  }
  if (entry.concat) return readConcat(entry.concat, entry.spec.separator, ctx);
  return { raw: [], found: false };
}

/**
 * Joins the parts of a concat. A constant stands between values, so it is kept only when every
 * side of it that has sources has a value there: `Jansen` + `-` + (empty) gives `Jansen`, not
 * `Jansen-`. Brackets go in pairs: a pair stays when a value is between them (and the opening one
 * has its value before it) and goes whole otherwise, so `Jansen` + ` (` + (empty) + `)` gives
 * `Jansen`, not `Jansen )`. Constants alone (every source empty) give no value, so `required` and
 * `default` work.
 */
function readConcat(
  concat: NonNullable<CompiledEntry['concat']>,
  separator: string,
  ctx: PathContext,
): { raw: string[]; found: boolean } {
  let found = false;
  // The value of each source part (undefined when empty); positions of the first and last source
  // part and of the first and last one with a value.
  const values: Array<string | undefined> = new Array(concat.length);
  let firstSource = -1;
  let lastSource = -1;
  let firstValue = -1;
  let lastValue = -1;
  for (let i = 0; i < concat.length; i++) {
    const p = concat[i]!;
    if ('constant' in p) continue;
    if (firstSource < 0) firstSource = i;
    lastSource = i;
    const r = resolveValues(ctx, p);
    found ||= r.found;
    const v = firstNonEmpty(r.values);
    if (v === undefined) continue;
    values[i] = v.trim();
    if (firstValue < 0) firstValue = i;
    lastValue = i;
  }
  if (firstSource >= 0 && firstValue < 0) return { raw: [], found };
  // Whether a constant at i has a value before it, where it has sources before it.
  const before = (i: number) => i < firstSource || firstValue < i;
  const kept: boolean[] = new Array(concat.length).fill(false);
  const open: number[] = [];
  for (let i = 0; i < concat.length; i++) {
    const p = concat[i]!;
    if (!('constant' in p) || p.constant === '') continue;
    kept[i] = before(i) && (lastSource < i || i < lastValue);
    for (const c of p.constant) {
      if (c === '(' || c === '[' || c === '{') open.push(i);
      else if (c === ')' || c === ']' || c === '}') {
        const o = open.pop();
        // A pair of brackets encloses values: both stay when one is there (and the opening one has
        // its value before it), both go otherwise.
        if (o === undefined || o === i) continue;
        let inside = false;
        for (let j = o + 1; j < i && !inside; j++) inside = values[j] !== undefined;
        kept[o] = kept[i] = before(o) && inside;
      }
    }
  }
  const parts: string[] = [];
  for (let i = 0; i < concat.length; i++) {
    const p = concat[i]!;
    if ('constant' in p) {
      if (kept[i]) parts.push(p.constant);
    } else if (values[i] !== undefined) parts.push(values[i]!);
  }
  return { raw: [parts.join(separator)], found };
}
