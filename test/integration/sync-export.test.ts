import { describe, expect, it } from 'vitest';
import { person, syncRunner, testLink, syncTestStore } from '../helpers/sync.js';
import { exportEmployees, exportSnapshot, type ExportedEmployee } from '../../src/sync/export.js';
import { testStoreKind } from '../helpers/store.js';

const bed = syncTestStore('export');

async function exported(employerId: string, today: string): Promise<ExportedEmployee[]> {
  const out: ExportedEmployee[] = [];
  for await (const e of exportEmployees(bed.store.db, employerId, { today, pageSize: 2 })) out.push(e);
  return out;
}

describe('export', () => {
  it('When terms change from a future date, then the export shows the terms in force today and the change as a version', async () => {
    const { employer, run } = await syncRunner(bed.store, bed.vault, testLink('export-terms'));
    await run([person('1'), person('2'), person('3')]);
    const second = await run([
      person('1', {
        employments: [{ validFrom: '2027-03-01', departmentCode: 'D2', hoursPerWeek: 20 }],
        departments: [{ code: 'D1', name: 'Afdeling 1' }, { code: 'D2' }],
      }),
      person('2'),
      person('3', { employments: [{}, { startDate: '2027-01-01', hoursPerWeek: 16 }] }),
    ]);
    expect(second.rejects).toEqual([]);
    expect(second.counts).toMatchObject({ updated: 2 });
    const now = await exported(employer.id, '2026-11-29');
    expect(now.map((e) => e.personnelNumber)).toEqual(['1', '2', '3']);
    const [one] = now[0]!.employments;
    expect(one).toMatchObject({ departmentCode: 'D1', hoursPerWeek: 32 });
    expect(one!.versions.map((v) => [v.validFrom, v.validTo, v.departmentCode, v.hoursPerWeek])).toEqual([
      ['2020-01-01', '2027-02-28', 'D1', 32],
      ['2027-03-01', null, 'D2', 20],
    ]);
    const future = now[2]!.employments.find((m) => m.externalId === '3-2');
    expect(future).toMatchObject({ startDate: '2027-01-01', hoursPerWeek: 16 });
    const later = await exported(employer.id, '2027-03-01');
    expect(later[0]!.employments[0]).toMatchObject({ departmentCode: 'D2', hoursPerWeek: 20 });
  });

  // On the embedded store a sync cannot commit during an export: the export holds the one connection.
  it.skipIf(testStoreKind === 'pglite')(
    'When a sync commits while the export is read, then the export shows the store as it was when it began',
    async () => {
      const { employer, run } = await syncRunner(
        bed.store,
        bed.vault,
        testLink('export-snapshot', { delivery: 'mutations' }),
      );
      await run([person('1'), person('2'), person('3')]);
      const numbers: string[] = [];
      await exportSnapshot(
        bed.store.db,
        employer.id,
        async (e) => {
          // Between pages, employee 3 is renumbered to sort before the page already read.
          if (numbers.push(e.personnelNumber) === 1)
            await bed.store
              .db('employees')
              .where({ employer_id: employer.id, personnel_number: '3' })
              .update({ personnel_number: '0' });
        },
        { pageSize: 1 },
      );
      expect(numbers).toEqual(['1', '2', '3']);
    },
  );
});
