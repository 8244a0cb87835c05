import { describe, expect, it } from 'vitest';
import { DepartmentRows } from '../../src/sync/delivered-departments.js';
import type { CandidateDepartment } from '../../src/sync/types.js';

describe('department rows staged per record', () => {
  const staged = (records: CandidateDepartment[][]) => {
    const rows = new DepartmentRows();
    const into: unknown[][] = [];
    records.forEach((departments, i) => rows.add(i + 1, `d.csv:${i + 2}`, departments, into));
    return into.map((r) => [r[0], r[2], r[3], r[4]]);
  };

  it('When records repeat what an earlier one gave of a department, then only rows that say something new are staged', () => {
    expect(
      staged([
        [{ code: 'A' }],
        [{ code: 'A', name: 'Aa' }],
        [{ code: 'A', name: 'Aa' }],
        [{ code: 'A', name: 'Aa', parentCode: 'P' }],
        [{ code: 'A', parentCode: 'P' }],
        [{ code: 'A', name: 'Ab' }],
        [{ code: 'A', name: 'Ab' }],
        [{ code: 'B', name: 'Bee' }],
      ]),
    ).toEqual([
      [1, 'A', undefined, undefined],
      [2, 'A', 'Aa', undefined],
      [4, 'A', 'Aa', 'P'],
      [6, 'A', 'Ab', undefined],
      [7, 'A', 'Ab', undefined],
      [8, 'B', 'Bee', undefined],
    ]);
  });

  it('When a delivery names more codes than are remembered, then every row of the others is staged', () => {
    const many = Array.from({ length: 10_001 }, (_, i) => [{ code: `C${i}`, name: 'x' }]);
    const rows = staged([...many, [{ code: 'C0', name: 'x' }], [{ code: 'C10000', name: 'x' }]]);
    expect(rows).toHaveLength(10_002);
    expect(rows.at(-1)).toEqual([10_003, 'C10000', 'x', undefined]);
  });
});
