import type { CompiledEntry, CompiledGroup, Mapping } from './compile.js';
import type { SourcePath } from './paths.js';

/** A source path a mapping reads, as it is counted in a delivery without a header row (SIVI XML). */
export interface ElementPath {
  /** The path from the record, as the mapping writes it: `SofiNr`, `Adres/Pc`, `Dnstvbnd/OrgeenhCd`. */
  key: string;
  /** The paths to follow from the record: an `each` group, then the field in its items. */
  chain: readonly SourcePath[];
}

/**
 * Every path a mapping reads a value from (`source`, `firstOf`, `concat`, `when`, `unless`, `where`), each once,
 * in mapping order. A path inside an `each` group is keyed from the record (`Dnstvbnd/OrgeenhCd`),
 * so the key says where the element is whatever part of the mapping reads it; one that starts with
 * `/` is read from the record itself and keyed without the slash.
 */
export function elementPaths(
  mapping: Mapping,
  keep: (e: CompiledEntry) => boolean = () => true,
): ElementPath[] {
  const byKey = new Map<string, ElementPath>();
  const add = (outer: readonly SourcePath[], path: SourcePath | undefined) => {
    if (!path) return;
    const chain = path.fromRoot ? [path] : [...outer, path];
    const key = chain.map((p) => p.key).join('/');
    if (!byKey.has(key)) byKey.set(key, { key, chain });
  };
  const within = (outer: readonly SourcePath[], each: SourcePath | undefined): readonly SourcePath[] =>
    !each ? outer : each.fromRoot ? [each] : [...outer, each];
  const addWhere = (outer: readonly SourcePath[], where: CompiledGroup['where']) =>
    where?.forEach((w) => add(outer, w.path));
  const addEntry = (outer: readonly SourcePath[], e: CompiledEntry) => {
    if (!keep(e)) return;
    add(outer, e.when);
    add(outer, e.unless);
    const item = within(outer, e.each);
    addWhere(item, e.where);
    add(item, e.source);
    e.firstOf?.forEach((p) => add(item, p));
    e.concat?.forEach((p) => ('raw' in p ? add(item, p) : undefined));
  };
  mapping.employee.forEach((e) => addEntry([], e));
  for (const group of [mapping.employments, ...mapping.departments]) {
    const item = within([], group.each);
    addWhere(item, group.where);
    group.fields.forEach((e) => addEntry(item, e));
  }
  return [...byKey.values()];
}

/**
 * The top-level source keys a mapping reads (CSV column names, or first elements of paths), for
 * telling a user which columns the mapping expects that a file does not have.
 */
export function sourceColumns(mapping: Mapping, keep: (e: CompiledEntry) => boolean = () => true): string[] {
  return [...new Set(elementPaths(mapping, keep).map((p) => p.chain[0]!.key))];
}
