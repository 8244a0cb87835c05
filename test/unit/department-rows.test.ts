import { describe, expect, it } from 'vitest';
import { addDepartmentRows } from '../../src/sync/delivered-departments.js';
import type { CandidateDepartment } from '../../src/sync/types.js';

describe('department rows staged per record', () => {
  const staged = (records: CandidateDepartment[][]) => {
    const into: unknown[][] = [];
    records.forEach((departments, i) => addDepartmentRows(i + 1, `d.csv:${i + 2}`, departments, into));
    return into.map((r) => [r[0], r[2], r[3], r[4]]);
  };

  it('When a record gives the same department twice, then it is staged once; repeats of other records all are', () => {
    expect(
      staged([
        [
          { code: 'A', name: 'Aa' },
          { code: 'A', name: 'Aa' },
          { code: 'B', name: 'Bee' },
        ],
        [{ code: 'A', name: 'Aa' }],
        [
          { code: 'A', name: 'Aa' },
          { code: 'A', name: 'Ab' },
        ],
      ]),
    ).toEqual([
      [1, 'A', 'Aa', undefined],
      [1, 'B', 'Bee', undefined],
      // A later record may be the one that stays when earlier ones are left out after staging.
      [2, 'A', 'Aa', undefined],
      [3, 'A', 'Aa', undefined],
      [3, 'A', 'Ab', undefined],
    ]);
  });
});
