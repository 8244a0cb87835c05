import { describe, expect, it } from 'vitest';
import { person, versionsOf, syncTestStore } from '../helpers/sync.js';
import { editEmployment } from '../../src/store/employments.js';

/**
 * Terms delivered from a date before stored versions (`validFrom` earlier than the latest change):
 * a complete delivery gives the terms as they are now, a mutation delivery a change in between.
 */

const bed = syncTestStore('versions');

const departments = [
  { code: 'FIN', name: 'Financiën' },
  { code: 'HR', name: 'Personeelszaken' },
  { code: 'SALES', name: 'Verkoop' },
];

/** One employee, employment `1-1` since 2015-03-01, with the terms of `departmentCode` from `validFrom`. */
const record = (departmentCode: string, validFrom?: string) =>
  person('1', {
    position: 'lonen.csv:2',
    departments,
    employments: [{ startDate: '2015-03-01', departmentCode, ...(validFrom ? { validFrom } : {}) }],
  });

/** An employee in FIN since 2015 and, from 2024-01-01, in HR (the delivery date is 2026-11-28). */
async function transferred(delivery: 'complete' | 'mutations') {
  const { employer, run } = await bed.employer({ delivery });
  await run([record('FIN')]);
  await run([record('HR', '2024-01-01')]);
  const versions = () =>
    versionsOf(bed.store.db, employer.id, '1-1').then((vs) =>
      vs.map((v) => [v.valid_from, v.valid_to, v.department]),
    );
  expect(await versions()).toEqual([
    ['2015-03-01', '2023-12-31', 'FIN'],
    ['2024-01-01', null, 'HR'],
  ]);
  return { run, versions };
}

describe('terms delivered from a date before a stored change', () => {
  it('When a complete delivery cancels a transfer (the terms of the start again), then the later version goes and the current department is the delivered one', async () => {
    const { run, versions } = await transferred('complete');
    const r = await run([record('FIN', '2015-03-01')]);
    expect(r.status).toBe('completed');
    expect(await versions()).toEqual([['2015-03-01', null, 'FIN']]);
    expect(r.counts).toMatchObject({ updated: 1 });
    expect(r.notices).toEqual([
      {
        position: 'lonen.csv:2',
        field: 'employment.validFrom',
        message:
          'employment 1-1: the complete delivery gives its terms from 2015-03-01, so the version from 2024-01-01, ' +
          'which the source no longer has, was removed',
      },
    ]);
    const audit = await bed.store.db('audit_events').where({ action: 'employment.versions_removed' });
    expect(
      audit.filter((a: { details: { runId: string } }) => a.details.runId === r.runId).map((a) => a.details),
    ).toEqual([{ runId: r.runId, validFrom: '2015-03-01', removed: ['2024-01-01'] }]);
    const again = await run([record('FIN', '2015-03-01')]);
    expect(again.counts).toMatchObject({ rowsWritten: 0, unchanged: 1 });
    expect(again.notices).toEqual([]);
  });

  it('When a complete delivery gives other terms from an earlier date, then they hold from then on and the later versions go', async () => {
    const { run, versions } = await transferred('complete');
    const r = await run([record('SALES', '2022-01-01')]);
    expect(await versions()).toEqual([
      ['2015-03-01', '2021-12-31', 'FIN'],
      ['2022-01-01', null, 'SALES'],
    ]);
    expect(r.notices.map((n) => n.message)).toEqual([
      'employment 1-1: the complete delivery gives its terms from 2022-01-01, so the version from 2024-01-01, ' +
        'which the source no longer has, was removed',
    ]);
    // The same terms from a date corrected to an earlier day: one version from that day.
    await run([record('SALES', '2021-06-01')]);
    expect(await versions()).toEqual([
      ['2015-03-01', '2021-05-31', 'FIN'],
      ['2021-06-01', null, 'SALES'],
    ]);
  });

  it('When a complete delivery gives terms from an earlier date, then a planned version after the delivery date goes too', async () => {
    const { run, versions } = await transferred('complete');
    await run([record('SALES', '2027-02-01')]);
    expect((await versions()).at(-1)).toEqual(['2027-02-01', null, 'SALES']);
    const r = await run([record('FIN', '2015-03-01')]);
    expect(await versions()).toEqual([['2015-03-01', null, 'FIN']]);
    expect(r.notices.map((n) => n.message)).toEqual([
      'employment 1-1: the complete delivery gives its terms from 2015-03-01, so the versions from 2024-01-01, ' +
        '2027-02-01, which the source no longer has, were removed',
    ]);
  });

  it('When a mutation delivery gives terms from an earlier date, then they are a change between the stored versions', async () => {
    const { run, versions } = await transferred('mutations');
    const r = await run([record('SALES', '2022-01-01')]);
    expect(await versions()).toEqual([
      ['2015-03-01', '2021-12-31', 'FIN'],
      ['2022-01-01', '2023-12-31', 'SALES'],
      ['2024-01-01', null, 'HR'],
    ]);
    expect(r.notices).toEqual([]);
  });

  it('When a complete delivery moves the start earlier with other terms from the new start, then those terms hold from then on', async () => {
    const { employer, run } = await bed.employer();
    const moved = (startDate: string, departmentCode: string, hoursPerWeek: number) =>
      person('1', {
        departments,
        employments: [{ startDate, validFrom: startDate, departmentCode, hoursPerWeek }],
      });
    const versions = async () =>
      (await versionsOf(bed.store.db, employer.id, '1-1')).map((v) => [
        v.valid_from,
        v.valid_to,
        v.department,
        Number(v.hours_per_week),
      ]);
    await run([moved('2024-02-01', 'FIN', 40)]);
    await run([
      person('1', {
        departments,
        employments: [
          { startDate: '2024-02-01', validFrom: '2024-06-01', departmentCode: 'HR', hoursPerWeek: 40 },
        ],
      }),
    ]);
    const r = await run([moved('2024-01-01', 'SALES', 32)]);
    expect(await versions()).toEqual([['2024-01-01', null, 'SALES', 32]]);
    expect(r.notices.map((n) => n.message)).toEqual([
      'employment 1-1: the complete delivery gives its terms from 2024-01-01, so the versions from 2024-02-01, ' +
        '2024-06-01, which the source no longer has, were removed',
    ]);
    expect((await run([moved('2024-01-01', 'SALES', 32)])).counts.rowsWritten).toBe(0);
    // Moved earlier again with the terms of the first version: that version holds from the new start.
    await run([moved('2023-10-01', 'SALES', 32)]);
    expect(await versions()).toEqual([['2023-10-01', null, 'SALES', 32]]);
  });

  it('When hours come with more decimals than the store keeps, then a rerun writes nothing', async () => {
    const { employer, run } = await bed.employer();
    const precise = person('1', {
      departments,
      employments: [{ departmentCode: 'FIN', hoursPerWeek: 32.125 }],
    });
    expect((await run([precise])).status).toBe('completed');
    const again = await run([precise]);
    expect(again.counts).toMatchObject({ rowsWritten: 0, unchanged: 1 });
    expect((await versionsOf(bed.store.db, employer.id, '1-1')).map((v) => Number(v.hours_per_week))).toEqual(
      [32.13],
    );
  });

  it('When an end date before a later change arrives late, then the earlier terms keep their history', async () => {
    const { employer, run } = await bed.employer();
    const employee = (hoursPerWeek: number, endDate?: string) =>
      person('1', {
        employments: [{ startDate: '2020-01-01', hoursPerWeek, ...(endDate ? { endDate } : {}) }],
      });
    await run([employee(32)], { deliveryDate: '2026-10-01' });
    await run([employee(24)], { deliveryDate: '2026-11-01' });
    // The source now has the exit of 15 October, entered after the change of hours was delivered.
    const r = await run([employee(24, '2026-10-15')]);
    expect(r.status).toBe('completed');
    expect(
      (await versionsOf(bed.store.db, employer.id, '1-1')).map((v) => [
        v.valid_from,
        Number(v.hours_per_week),
      ]),
    ).toEqual([
      ['2020-01-01', 32],
      ['2026-11-01', 24],
    ]);
    expect((await run([employee(24, '2026-10-15')])).counts.rowsWritten).toBe(0);
  });

  it('When a start is moved later with other terms from the new start, then no version is left before it', async () => {
    const { employer, run } = await bed.employer({ delivery: 'mutations' });
    const hours = async () =>
      (await versionsOf(bed.store.db, employer.id, '1-1')).map((v) => [
        v.valid_from,
        Number(v.hours_per_week),
      ]);
    await run([person('1', { employments: [{ startDate: '2026-12-01', hoursPerWeek: 32 }] })], {
      deliveryDate: '2026-11-20',
    });
    const later = person('1', { employments: [{ startDate: '2027-01-01', hoursPerWeek: 24 }] });
    const r = await run([later]);
    expect(await hours()).toEqual([['2027-01-01', 24]]);
    const [audit] = await bed.store
      .db('audit_events')
      .where({ action: 'employment.versions_removed', employer_id: employer.id });
    expect(audit.details).toMatchObject({ runId: r.runId, removed: ['2026-12-01'] });
    expect((await run([later])).counts.rowsWritten).toBe(0);
  });

  it('When an exit is delivered with terms from the day after it, then the exit holds and no version follows it', async () => {
    const { employer, run } = await bed.employer({ delivery: 'mutations' });
    await run([person('1', { employments: [{ startDate: '2020-01-01', hoursPerWeek: 32 }] })]);
    const exit = person('1', {
      employments: [
        { startDate: '2020-01-01', endDate: '2026-06-30', validFrom: '2026-07-01', hoursPerWeek: 0 },
      ],
    });
    await run([exit], { deliveryDate: '2026-07-02' });
    const versions = await versionsOf(bed.store.db, employer.id, '1-1');
    expect(versions.map((v) => [v.valid_from, v.valid_to, Number(v.hours_per_week)])).toEqual([
      ['2020-01-01', null, 32],
    ]);
    expect((await run([exit], { deliveryDate: '2026-07-02' })).counts.rowsWritten).toBe(0);
  });

  it('When a complete delivery ends an employment by absence, then a change planned after that day goes', async () => {
    const { employer, run } = await bed.employer({ guardAllowance: 5 });
    const planned = person('1', {
      departments,
      employments: [{ startDate: '2020-01-01', validFrom: '2027-01-01', departmentCode: 'HR' }],
    });
    await run(
      [
        person('1', { departments, employments: [{ startDate: '2020-01-01', departmentCode: 'FIN' }] }),
        person('2'),
      ],
      {
        deliveryDate: '2026-11-01',
      },
    );
    await run([planned, person('2')], { deliveryDate: '2026-11-20' });
    const r = await run([person('2')]);
    expect(r.counts.ended).toBe(1);
    const versions = await versionsOf(bed.store.db, employer.id, '1-1');
    expect(versions.map((v) => [v.valid_from, v.valid_to, v.department])).toEqual([
      ['2020-01-01', null, 'FIN'],
    ]);
    expect((await run([person('2')])).counts.rowsWritten).toBe(0);
  });
});

describe('an end date set by hand that the source moves or takes away', () => {
  /** Employment `5-1` as the source delivers it (complete), ended by hand on 2026-10-31. */
  async function endedByHand() {
    const { employer, run } = await bed.employer();
    const delivered = (endDate?: string) =>
      person('5', { employments: [{ startDate: '2020-01-01', ...(endDate ? { endDate } : {}) }] });
    await run([delivered()]);
    const employment = () =>
      bed.store
        .db('employments')
        .where({ employer_id: employer.id, external_id: '5-1' })
        .first('id', bed.store.db.raw(`to_char(end_date, 'YYYY-MM-DD') as end_date`)) as Promise<{
        id: string;
        end_date: string | null;
      }>;
    // As the operator does it: the employment and its last version end on that day.
    await editEmployment(bed.store.db, (await employment()).id, {
      mode: 'correct',
      endDate: '2026-10-31',
      terms: {},
    });
    const versions = async () =>
      (await versionsOf(bed.store.db, employer.id, '5-1')).map((v) => [v.valid_from, v.valid_to]);
    expect(await versions()).toEqual([['2020-01-01', '2026-10-31']]);
    return { run, delivered, employment, versions };
  }

  it('When a complete delivery still lists the employment without an end date, then it is open again and so is its last version', async () => {
    const { run, delivered, employment, versions } = await endedByHand();
    const r = await run([delivered()]);
    expect(r.status).toBe('completed');
    expect((await employment()).end_date).toBeNull();
    expect(await versions()).toEqual([['2020-01-01', null]]);
    expect((await run([delivered()])).counts).toMatchObject({ rowsWritten: 0, unchanged: 1 });
  });

  it('When a delivery moves the end date, then the last version ends on the new day', async () => {
    const { run, delivered, employment, versions } = await endedByHand();
    await run([delivered('2026-12-31')]);
    expect((await employment()).end_date).toBe('2026-12-31');
    expect(await versions()).toEqual([['2020-01-01', '2026-12-31']]);
    expect((await run([delivered('2026-12-31')])).counts).toMatchObject({ rowsWritten: 0, unchanged: 1 });
    // Moved earlier again: the version is not in force after the new end.
    await run([delivered('2026-11-30')]);
    expect(await versions()).toEqual([['2020-01-01', '2026-11-30']]);
  });
});
