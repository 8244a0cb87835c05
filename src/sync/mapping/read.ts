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

/** A piece of a concat: a source part, or a run of a constant's text, or one bracket of it. */
interface Piece {
  /** The concat part it comes from: pieces of one constant join without the separator. */
  part: number;
  /** Its text: a constant's, or a source's value (undefined: the source is empty). */
  text: string | undefined;
  source: boolean;
  bracket: 'open' | 'close' | undefined;
}

const constantPieces = /[([{]|[)\]}]|[^()[\]{}]+/g;

function piecesOf(
  concat: NonNullable<CompiledEntry['concat']>,
  ctx: PathContext,
): { pieces: Piece[]; found: boolean } {
  let found = false;
  const pieces: Piece[] = [];
  concat.forEach((p, part) => {
    if ('constant' in p) {
      for (const [text] of p.constant.matchAll(constantPieces)) {
        const bracket = '([{'.includes(text) ? 'open' : ')]}'.includes(text) ? 'close' : undefined;
        pieces.push({ part, text, source: false, bracket });
      }
      return;
    }
    const r = resolveValues(ctx, p);
    found ||= r.found;
    pieces.push({ part, text: firstNonEmpty(r.values)?.trim(), source: true, bracket: undefined });
  });
  return { pieces, found };
}

/**
 * Joins the parts of a concat. A constant stands between values, so it is kept only when every
 * side of it that has sources has a value there: `Jansen` + `-` + (empty) gives `Jansen`, not
 * `Jansen-`. Brackets in constants go in pairs: a pair around sources stays when one of them has a
 * value and goes otherwise, whatever else the constant holds, so `Jansen` + ` (` + (empty) + `)`
 * gives `Jansen`, not `Jansen )`. Spaces left next to each other by what went become one. Constants
 * alone (every source empty) give no value, so `required` and `default` work.
 */
function readConcat(
  concat: NonNullable<CompiledEntry['concat']>,
  separator: string,
  ctx: PathContext,
): { raw: string[]; found: boolean } {
  const { pieces, found } = piecesOf(concat, ctx);
  let firstSource = -1;
  let lastSource = -1;
  let firstValue = -1;
  let lastValue = -1;
  pieces.forEach((p, i) => {
    if (!p.source) return;
    if (firstSource < 0) firstSource = i;
    lastSource = i;
    if (p.text === undefined) return;
    if (firstValue < 0) firstValue = i;
    lastValue = i;
  });
  if (firstSource >= 0 && firstValue < 0) return { raw: [], found };
  const before = (i: number) => i < firstSource || firstValue < i;
  const after = (i: number) => lastSource < i || i < lastValue;
  const kept = pieces.map((p, i) => (p.source ? p.text !== undefined : before(i) && after(i)));
  const open: number[] = [];
  pieces.forEach((p, i) => {
    if (p.bracket === 'open') open.push(i);
    if (p.bracket !== 'close') return;
    const o = open.pop();
    if (o === undefined) return;
    const inside = pieces.slice(o + 1, i).filter((q) => q.source);
    // Brackets around constants only are text like any other.
    if (inside.length > 0) kept[o] = kept[i] = inside.some((q) => q.text !== undefined);
  });
  let out = '';
  let lastPart = -1;
  pieces.forEach((p, i) => {
    if (!kept[i]) return;
    const glue = lastPart >= 0 && lastPart !== p.part ? separator : '';
    // A constant's spaces after spaces already there (left by what went) are one space.
    const text = !p.source && /\s$/.test(out + glue) ? p.text!.trimStart() : p.text!;
    if (text === '') return;
    out += glue + text;
    lastPart = p.part;
  });
  return { raw: [out], found };
}
