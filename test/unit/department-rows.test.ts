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

  it('When records repeat what an earlier one gave of a department, then past three rows only those that say something new are staged', () => {
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
      // A repeat is staged too while the code has fewer than three rows: the record before may be
      // left out after staging (a duplicate key), and what it gave must come from one that stays.
      [3, 'A', 'Aa', undefined],
      [4, 'A', 'Aa', 'P'],
      [6, 'A', 'Ab', undefined],
      [7, 'A', 'Ab', undefined],
      [8, 'B', 'Bee', undefined],
    ]);
  });

  it('When a delivery names more codes than are remembered, then every row of the others is staged', () => {
    const many = Array.from({ length: 10_001 }, (_, i) => [{ code: `C${i}`, name: 'x' }]);
    const again = Array.from({ length: 3 }, () => [{ code: 'C0', name: 'x' }]);
    const rows = staged([...many, ...again, [{ code: 'C10000', name: 'x' }]]);
    // C0 twice more (three rows in all), then no more; C10000 is past the codes remembered.
    expect(rows).toHaveLength(10_004);
    expect(rows.at(-2)).toEqual([10_003, 'C0', 'x', undefined]);
    expect(rows.at(-1)).toEqual([10_005, 'C10000', 'x', undefined]);
  });
});
