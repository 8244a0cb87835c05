import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { findDepartmentCycle } from '../../src/domain/department.js';

describe('department tree', () => {
  it('When the tree is acyclic, then no cycle is found', () => {
    expect(
      findDepartmentCycle([{ code: 'A' }, { code: 'B', parentCode: 'A' }, { code: 'C', parentCode: 'B' }]),
    ).toBeUndefined();
  });

  it('When a department is its own parent, then that is a cycle', () => {
    expect(findDepartmentCycle([{ code: 'A', parentCode: 'A' }])).toEqual(['A', 'A']);
  });

  it('When departments point at each other, then the cycle is named', () => {
    const cycle = findDepartmentCycle([
      { code: 'X' },
      { code: 'A', parentCode: 'C' },
      { code: 'B', parentCode: 'A' },
      { code: 'C', parentCode: 'B' },
    ]);
    expect(cycle).toHaveLength(4);
    expect(cycle![0]).toBe(cycle![3]);
    expect(new Set(cycle)).toEqual(new Set(['A', 'B', 'C']));
  });

  it('When every parent comes earlier in the list, then there is never a cycle (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { minLength: 1, maxLength: 60 }), (picks) => {
        const nodes = picks.map((p, i) => ({ code: `D${i}`, parentCode: i === 0 ? null : `D${p % i}` }));
        expect(findDepartmentCycle(nodes)).toBeUndefined();
      }),
    );
  });
});
