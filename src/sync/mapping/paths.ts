/**
 * Source paths: a CSV column name (`Datum in dienst`) or an element path relative to the record
 * (`StrAdrNl/Pc`, `Dnstvbnd/Ingdat`). A path that starts with `/` is read from the record itself
 * even inside an `each` group. A key that exists as written wins over splitting on `/`, so column
 * names that contain a slash still work. A step through a repeated group visits every item.
 */

export interface SourcePath {
  raw: string;
  fromRoot: boolean;
  key: string;
  steps: string[];
}

export function compilePath(raw: string): SourcePath {
  const fromRoot = raw.startsWith('/') && raw.length > 1;
  const key = fromRoot ? raw.slice(1) : raw;
  return { raw, fromRoot, key, steps: key.split('/').filter((s) => s !== '') };
}

export interface PathContext {
  root: Record<string, unknown>;
  item: Record<string, unknown>;
}

/** The nodes a path reaches (groups as objects, leaves as they are); `found` says whether its first step exists. */
export function resolveNodes(ctx: PathContext, path: SourcePath): { nodes: unknown[]; found: boolean } {
  const start = path.fromRoot ? ctx.root : ctx.item;
  if (Object.prototype.hasOwnProperty.call(start, path.key)) {
    const v = start[path.key];
    return { nodes: Array.isArray(v) ? v : [v], found: true };
  }
  if (path.steps.length <= 1) return { nodes: [], found: false };
  let current: unknown[] = [start];
  let found = false;
  for (let i = 0; i < path.steps.length; i++) {
    const step = path.steps[i]!;
    const next: unknown[] = [];
    for (const node of current) {
      if (node !== null && typeof node === 'object' && !Array.isArray(node)) {
        const obj = node as Record<string, unknown>;
        if (Object.prototype.hasOwnProperty.call(obj, step)) {
          if (i === 0) found = true;
          const v = obj[step];
          if (Array.isArray(v)) next.push(...v);
          else next.push(v);
        }
      }
    }
    current = next;
    if (current.length === 0) break;
  }
  return { nodes: current, found };
}

/** A leaf node's text: strings as they are, numbers as text, an element with attributes by its `#text`. */
export function leafText(node: unknown): string | undefined {
  if (node === undefined || node === null) return undefined;
  if (typeof node === 'string') return node;
  if (typeof node === 'number' || typeof node === 'boolean') return String(node);
  if (typeof node === 'object' && '#text' in (node as object))
    return leafText((node as Record<string, unknown>)['#text']);
  return undefined;
}

/** The values (text of leaves) a path reaches, in document order; empty strings are kept. */
export function resolveValues(ctx: PathContext, path: SourcePath): { values: string[]; found: boolean } {
  const { nodes, found } = resolveNodes(ctx, path);
  const values: string[] = [];
  for (const n of nodes) {
    const t = leafText(n);
    if (t !== undefined) values.push(t);
  }
  return { values, found };
}

/** The group items a path reaches (objects only). */
export function resolveItems(ctx: PathContext, path: SourcePath): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const n of resolveNodes(ctx, path).nodes) {
    if (n !== null && typeof n === 'object' && !Array.isArray(n)) out.push(n as Record<string, unknown>);
  }
  return out;
}

const own = (obj: object, key: string) => Object.prototype.hasOwnProperty.call(obj, key);
const isGroup = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Whether a chain of paths reaches a leaf with a non-blank text from `root`: the first path is read
 * from `root`, each next one from the items the one before reaches (an `each` group, then a field of
 * its items), as `resolveNodes` reads them (`fromRoot` is not looked at here). It stops at the first
 * value and builds no arrays: it runs for every path of every record.
 */
export function reachesValue(root: Record<string, unknown>, chain: readonly SourcePath[]): boolean {
  return chain.length > 0 && fromPath(root, chain, 0);
}

function fromPath(start: Record<string, unknown>, chain: readonly SourcePath[], at: number): boolean {
  const path = chain[at]!;
  if (own(start, path.key)) return fromNode(start[path.key], chain, at + 1);
  return path.steps.length > 1 && fromStep(start, path.steps, 0, chain, at);
}

function fromStep(
  obj: Record<string, unknown>,
  steps: readonly string[],
  i: number,
  chain: readonly SourcePath[],
  at: number,
): boolean {
  if (!own(obj, steps[i]!)) return false;
  const v = obj[steps[i]!];
  if (i === steps.length - 1) return fromNode(v, chain, at + 1);
  if (!Array.isArray(v)) return isGroup(v) && fromStep(v, steps, i + 1, chain, at);
  for (const item of v) if (isGroup(item) && fromStep(item, steps, i + 1, chain, at)) return true;
  return false;
}

function fromNode(node: unknown, chain: readonly SourcePath[], at: number): boolean {
  if (Array.isArray(node)) {
    for (const item of node) if (fromNode(item, chain, at)) return true;
    return false;
  }
  if (at < chain.length) return isGroup(node) && fromPath(node, chain, at);
  const text = leafText(node);
  return text !== undefined && text !== '' && (text.charCodeAt(0) > 32 || text.trim() !== '');
}
