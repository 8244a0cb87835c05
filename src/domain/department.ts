export interface DepartmentNode {
  code: string;
  parentCode?: string | null | undefined;
}

/**
 * The first cycle in a department tree, as the list of codes that form it (`['A', 'B', 'A']`),
 * or undefined when the tree has none. Parents that are not in the list end a path.
 */
export function findDepartmentCycle(nodes: readonly DepartmentNode[]): string[] | undefined {
  const parent = new Map<string, string | undefined>();
  for (const n of nodes) parent.set(n.code, n.parentCode ?? undefined);
  const done = new Set<string>();
  for (const start of parent.keys()) {
    if (done.has(start)) continue;
    const path: string[] = [];
    const onPath = new Set<string>();
    let current: string | undefined = start;
    while (current !== undefined && !done.has(current)) {
      if (onPath.has(current)) return [...path.slice(path.indexOf(current)), current];
      onPath.add(current);
      path.push(current);
      current = parent.get(current);
    }
    for (const code of path) done.add(code);
  }
  return undefined;
}
