import { describe, expect, it } from 'vitest';
import { person, syncTestStore } from '../helpers/sync.js';

/** Who a complete delivery ends or marks deleted at the source, and who it holds. */

const bed = syncTestStore('held');

const employer = bed.employer;

describe('rejected records in a complete delivery', () => {
  it('When an employee record is rejected, then that employee is held and not ended as missing', async () => {
    const { employer: e, run } = await employer({ guard: 1 });
    await run([person('1'), person('2'), person('3'), person('4')]);
    const r = await run([
      person('1'),
      person('2', { position: 'd.csv:3' }),
      person('2', { lastName: 'Other', position: 'd.csv:4' }),
      person('3', { bsn: '123456789' }),
      {
        ok: false,
        position: 'd.csv:9',
        problems: [{ field: 'startDate', reason: 'not a date' }],
        key: { personnelNumber: '4' },
      } as never,
    ]);
    expect(r.counts).toMatchObject({ ended: 0, unchanged: 1 });
    const open = await bed.store.db('employments').where({ employer_id: e.id }).whereNull('end_date');
    expect(open).toHaveLength(4);
  });
});

describe('employees a complete delivery no longer has', () => {
  it('When a leaver whose employment had ended drops out of a complete delivery, then they are marked deleted at the source, and a held one is not', async () => {
    const { employer: e, run } = await employer({ guard: 1 });
    await run([person('1'), person('2', { employments: [{ endDate: '2025-06-30' }] }), person('3')]);
    const r = await run([
      person('1'),
      {
        ok: false,
        position: 'd.csv:3',
        problems: [{ field: 'startDate', reason: 'not a date' }],
        key: { personnelNumber: '3' },
      } as never,
    ]);
    expect(r.counts).toMatchObject({ ended: 0, unchanged: 1 });
    const deleted = async () =>
      Object.fromEntries(
        (
          (await bed.store
            .db('employees')
            .where({ employer_id: e.id })
            .select('personnel_number', 'remote_deleted_at')) as Array<{
            personnel_number: string;
            remote_deleted_at: Date | null;
          }>
        ).map((x) => [x.personnel_number, x.remote_deleted_at !== null]),
      );
    expect(await deleted()).toEqual({ '1': false, '2': true, '3': false });
    const again = await run([person('1'), person('3')]);
    expect(again.counts.rowsWritten).toBe(0);
    // Back in a delivery, the leaver is no longer deleted at the source.
    await run([person('1'), person('2', { employments: [{ endDate: '2025-06-30' }] }), person('3')]);
    expect(await deleted()).toEqual({ '1': false, '2': false, '3': false });
  });
});
