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

/**
 * Hands the raw texts an entry reads, before any transform and leaving out blanks, to `take` in
 * order until it says it has what it needs: a list takes every value; a single value takes the
 * candidates one by one (the sources of a `firstOf`, the values of a path, the items of an `each`
 * group), so that one its transforms empty gives way to the next. Returns whether the entry's
 * source exists at all (a missing column or element, as opposed to an empty one).
 */
export function readRaw(entry: CompiledEntry, ctx: PathContext, take: (raw: string) => boolean): boolean {
  if (entry.spec.constant !== undefined) {
    take(asText(entry.spec.constant));
    return true;
  }
  if (entry.each) {
    const items = filterWhere(resolveItems(ctx, entry.each), entry.where, ctx.root);
    const inner = { ...entry, each: undefined };
    let found = items.length > 0;
    let done = false;
    for (const item of items) {
      found = readRaw(inner, { root: ctx.root, item }, (raw) => (done = take(raw))) || found;
      if (done) break;
    }
    return found;
  }
  if (entry.source) {
    // Fast path for the common case (a CSV column, or a leaf element of the item).
    const start = entry.source.fromRoot ? ctx.root : ctx.item;
    const direct = start[entry.source.key];
    if (typeof direct === 'string') {
      if (direct.trim() !== '') take(direct);
      return true;
    }
    const { values, found } = resolveValues(ctx, entry.source);
    takeValues(values, take);
    return found;
  }
  if (entry.firstOf) {
    let found = false;
    for (const p of entry.firstOf) {
      const r = resolveValues(ctx, p);
      found ||= r.found;
      if (takeValues(r.values, take)) return true;
    }
    return found;
  }
  if (entry.concat) {
    const { text, found } = readConcat(entry.concat, entry.spec.separator, ctx);
    if (text !== undefined) take(text);
    return found;
  }
  return false;
}

/** Hands the values that are not blank to `take` until it has enough; true when it has. */
function takeValues(values: string[], take: (raw: string) => boolean): boolean {
  for (const v of values) if (v.trim() !== '' && take(v)) return true;
  return false;
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
): { text: string | undefined; found: boolean } {
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
  if (firstSource >= 0 && firstValue < 0) return { text: undefined, found };
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
    let glue = lastPart >= 0 && lastPart !== p.part ? separator : '';
    // Spaces after spaces already there (a constant's own, or left by what went) are one space.
    if (/\s$/.test(out)) glue = glue.trimStart();
    const text = !p.source && /\s$/.test(out + glue) ? p.text!.trimStart() : p.text!;
    if (text === '') return;
    out += glue + text;
    lastPart = p.part;
  });
  return { text: out, found };
}
