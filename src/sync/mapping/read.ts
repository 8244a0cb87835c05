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
 * `Jansen-`. Constants alone (every source empty) give no value, so `required` and `default` work.
 */
function readConcat(
  concat: NonNullable<CompiledEntry['concat']>,
  separator: string,
  ctx: PathContext,
): { raw: string[]; found: boolean } {
  let found = false;
  let sourced = false;
  let sourceSeen = false;
  const parts: string[] = [];
  // parts[pending..] are constants after the last value, not yet known to have a value after them;
  // parts[pending..trailing) also have a source after them, so they need a value still to come.
  let pending = 0;
  let trailing = 0;
  for (const p of concat) {
    if ('constant' in p) {
      // A source before this constant and no value yet: the side before is empty.
      if (p.constant !== '' && (sourced || !sourceSeen)) parts.push(p.constant);
      continue;
    }
    sourceSeen = true;
    const r = resolveValues(ctx, p);
    found ||= r.found;
    const v = firstNonEmpty(r.values);
    if (v === undefined) {
      trailing = parts.length;
      continue;
    }
    parts.push(v.trim());
    sourced = true;
    pending = trailing = parts.length;
  }
  if (sourceSeen && !sourced) return { raw: [], found };
  if (trailing > pending) parts.splice(pending, trailing - pending);
  return { raw: [parts.join(separator)], found };
}
