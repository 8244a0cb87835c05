import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { csvRow, writeCsvDelivery } from '../helpers/csv-delivery.js';
import { person, storedState, testLink, syncTestStore, versionsOf } from '../helpers/sync.js';
import { saveLink } from '../../src/store/links.js';
import { syncDelivery } from '../../src/sync/delivery.js';

const bed = syncTestStore('identity');

const employer = bed.employer;

describe('employment identity', () => {
  it.each(['complete', 'mutations'] as const)(
    'When a %s delivery gives a stored employment to another personnel number, then that record is refused and both people stay as stored',
    async (delivery) => {
      const { employer: e, run } = await employer({ delivery });
      await run([person('2001', { employments: [{ externalId: 'DV-X' }] }), person('3'), person('4')]);
      const { audit: _, ...before } = await storedState(bed.store.db, e.id);
      const r = await run([
        person('2002', { employments: [{ externalId: 'DV-X' }], position: 'delivery.csv:2' }),
        person('3'),
        person('4'),
      ]);
      expect(r.status).toBe('completed');
      expect(r.counts).toMatchObject({ created: 0, ended: 0, rejected: 1, rowsWritten: 0 });
      expect(r.rejects).toEqual([
        {
          position: 'delivery.csv:2',
          field: 'externalId',
          reason:
            'employment DV-X is stored for personnel number 2001, not for 2002: an employment never moves to another person, so this record is left out and the stored employee kept as is. Deliver the person under the personnel number they have, or give the employment a new id',
        },
      ]);
      const { audit, ...after } = await storedState(bed.store.db, e.id);
      expect(after).toEqual(before);
      expect(audit.at(-1)).toMatchObject({ action: 'sync.completed' });
    },
  );

  it('When the stored owner is delivered too, without that employment, then the employment is not ended for being absent', async () => {
    const { employer: e, run } = await employer();
    await run([
      person('2001', { employments: [{ externalId: 'DV-X' }, { externalId: 'DV-Y' }] }),
      person('3'),
      person('4'),
    ]);
    const r = await run([
      person('2001', { employments: [{ externalId: 'DV-Y' }] }),
      person('2002', { employments: [{ externalId: 'DV-X' }] }),
      person('3'),
      person('4'),
    ]);
    expect(r.counts).toMatchObject({ created: 0, ended: 0, rejected: 1 });
    const open = await bed.store
      .db('employments')
      .where({ employer_id: e.id })
      .whereIn('external_id', ['DV-X', 'DV-Y'])
      .orderBy('external_id')
      .select('external_id', 'end_date');
    expect(open).toEqual([
      { external_id: 'DV-X', end_date: null },
      { external_id: 'DV-Y', end_date: null },
    ]);
  });

  async function employmentsOf(employerId: string) {
    return bed.store.db
      .raw(
        `select m.id, m.external_id, m.start_date, m.end_date, e.personnel_number,
              (select min(v.valid_from) from employment_versions v where v.employment_id = m.id) as first_from
         from employments m join employees e on e.id = m.employee_id
        where m.employer_id = ? order by e.personnel_number, m.start_date`,
        [employerId],
      )
      .then((r: { rows: Array<Record<string, unknown>> }) => r.rows);
  }

  it('When a CSV without employment ids corrects a start date, then the employment takes it instead of ending and being replaced', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'koppeling-identity-'));
    try {
      const file = join(dir, 'werknemers.csv');
      const link = testLink('identity-csv', { source: { file } });
      const { id: employerId } = await saveLink(bed.store.db, link, 'file');
      const run = async (starts: string[]) => {
        const rows = starts.map((start, i) =>
          csvRow(String(1001 + i), { 'Dienstverband-id': '', 'Datum in dienst': start }),
        );
        writeCsvDelivery(file, rows);
        return (await syncDelivery({
          store: bed.store,
          vault: bed.vault,
          employerId,
          link,
          trigger: 'cli',
        }))!;
      };
      await run(['01-03-2015', '01-01-2020', '01-01-2020']);
      const [before] = await employmentsOf(employerId);
      for (const [start, iso] of [
        ['01-02-2015', '2015-02-01'],
        ['01-04-2015', '2015-04-01'],
      ] as const) {
        const r = await run([start, '01-01-2020', '01-01-2020']);
        expect(r.status).toBe('completed');
        expect(r.counts).toMatchObject({ created: 0, updated: 1, ended: 0, rejected: 0 });
        const [after] = await employmentsOf(employerId);
        expect(after).toEqual({
          ...before,
          external_id: `1001-${iso}`,
          start_date: iso,
          first_from: iso,
        });
      }
      const again = await run(['01-04-2015', '01-01-2020', '01-01-2020']);
      expect(again.counts).toMatchObject({ updated: 0, rowsWritten: 0 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('When the stored employment has history before the new start, then a new one is a new employment, not a corrected start', async () => {
    const derived = (start: string, validFrom?: string, hoursPerWeek = 32) => ({
      externalId: `1-${start}`,
      startDate: start,
      hoursPerWeek,
      ...(validFrom ? { validFrom } : {}),
    });
    const ids = async (employerId: string) =>
      (await employmentsOf(employerId)).filter((m) => m.personnel_number === '1').map((m) => m.external_id);
    // A change of terms in 2022: the employment ran then.
    const changed = await employer({ guardAllowance: 1 });
    await changed.run([person('1', { employments: [derived('2020-01-01')] }), person('2')]);
    await changed.run([person('1', { employments: [derived('2020-01-01', '2022-06-01', 24)] }), person('2')]);
    const r = await changed.run([person('1', { employments: [derived('2024-01-01')] }), person('2')]);
    expect(r.counts).toMatchObject({ ended: 1 });
    expect(await ids(changed.employer.id)).toEqual(['1-2020-01-01', '1-2024-01-01']);
    // An absence case from 2021: the employment it belongs to keeps its start.
    const sick = await employer({ guardAllowance: 1 });
    await sick.run([person('1', { employments: [derived('2020-01-01')] }), person('2')]);
    const [stored] = (await bed.store
      .db('employments')
      .where({ employer_id: sick.employer.id, external_id: '1-2020-01-01' })) as Array<{
      id: string;
      employee_id: string;
    }>;
    await bed.store.db('absence_cases').insert({
      employer_id: sick.employer.id,
      employee_id: stored!.employee_id,
      employment_id: stored!.id,
      status: 'ended',
      first_sick_day: '2021-03-01',
      count_start: '2021-03-01',
      last_sick_day: '2021-03-05',
      classification: 'illness',
    });
    await sick.run([person('1', { employments: [derived('2024-01-01')] }), person('2')]);
    expect(await ids(sick.employer.id)).toEqual(['1-2020-01-01', '1-2024-01-01']);
    // Without such history, a later start is a corrected one.
    const plain = await employer();
    await plain.run([person('1', { employments: [derived('2020-01-01')] }), person('2')]);
    await plain.run([person('1', { employments: [derived('2020-02-01')] }), person('2')]);
    expect(await ids(plain.employer.id)).toEqual(['1-2020-02-01']);
  });

  it('When such an employment ended earlier or the delivery is ambiguous, then a new one is a new employment', async () => {
    const derived = (start: string, end?: string) => ({
      externalId: `1-${start}`,
      startDate: start,
      endDate: end,
    });
    // A re-hire: the earlier employment has ended.
    const rehire = await employer();
    await rehire.run([person('1', { employments: [derived('2015-03-01', '2020-12-31')] }), person('2')]);
    await rehire.run([person('1', { employments: [derived('2024-01-01')] }), person('2')]);
    expect((await employmentsOf(rehire.employer.id)).filter((m) => m.personnel_number === '1')).toMatchObject(
      [
        { external_id: '1-2015-03-01', end_date: '2020-12-31' },
        { external_id: '1-2024-01-01', end_date: null },
      ],
    );
    // A follow-up contract starting after the running one ends: a new employment, not a correction.
    // (A complete delivery without the running one ends it as missing, as any employment left out.)
    const followUp = await employer({ guardAllowance: 1 });
    await followUp.run([person('1', { employments: [derived('2025-07-01', '2027-06-30')] }), person('2')]);
    await followUp.run([person('1', { employments: [derived('2027-07-01')] }), person('2')]);
    expect(
      (await employmentsOf(followUp.employer.id)).filter((m) => m.personnel_number === '1'),
    ).toMatchObject([
      { external_id: '1-2025-07-01', start_date: '2025-07-01', end_date: '2026-11-28' },
      { external_id: '1-2027-07-01', start_date: '2027-07-01', end_date: null },
    ]);
    // Two new employments for one that is gone: which one it became is unknown.
    const two = await employer({ guardAllowance: 1 });
    await two.run([person('1', { employments: [derived('2015-03-01')] }), person('2')]);
    const r = await two.run([
      person('1', { employments: [derived('2015-02-01'), derived('2016-01-01')] }),
      person('2'),
    ]);
    expect(r.counts).toMatchObject({ ended: 1 });
    // A mutation file may leave a person's other employments out: nothing is paired there.
    const mutations = await employer({ delivery: 'mutations' });
    await mutations.run([person('1', { employments: [derived('2015-03-01')] })]);
    await mutations.run([person('1', { employments: [derived('2016-01-01')] })]);
    expect((await employmentsOf(mutations.employer.id)).map((m) => m.external_id)).toEqual([
      '1-2015-03-01',
      '1-2016-01-01',
    ]);
  });

  it.each(['complete', 'mutations'] as const)(
    'When a %s delivery re-hires someone under the id of their ended employment, then that is a new employment and the earlier one keeps its dates',
    async (delivery) => {
      const { employer: e, run } = await employer({ delivery });
      await run([
        person('7', {
          employments: [{ externalId: 'DV-7', startDate: '2015-03-01', endDate: '2020-12-31' }],
        }),
      ]);
      const employments = async () =>
        (
          await bed.store.db.raw(
            `select m.external_id, m.start_date, m.end_date, count(v.id)::int as versions
               from employments m join employment_versions v on v.employment_id = m.id
              where m.employer_id = ? group by m.id order by m.start_date`,
            [e.id],
          )
        ).rows;
      const rehire = person('7', {
        employments: [{ externalId: 'DV-7', startDate: '2023-01-01' }],
        position: 'delivery.csv:2',
      });
      const r = await run([rehire]);
      expect(r.status).toBe('completed');
      expect(await employments()).toEqual([
        { external_id: 'DV-7/2015-03-01', start_date: '2015-03-01', end_date: '2020-12-31', versions: 1 },
        { external_id: 'DV-7', start_date: '2023-01-01', end_date: null, versions: 1 },
      ]);
      expect(r.notices).toEqual([
        {
          position: 'delivery.csv:2',
          field: 'employment.externalId',
          message:
            'employment DV-7 ended on 2020-12-31 and is delivered again from 2023-01-01: a re-hire under the same id. ' +
            'It is a new employment; the earlier one keeps its history as DV-7/2015-03-01',
        },
      ]);
      const audit = await bed.store.db('audit_events').where({
        employer_id: e.id,
        action: 'employment.id_kept_for_rehire',
      });
      expect(audit.map((a: { details: unknown }) => a.details)).toEqual([
        { runId: r.runId, externalId: 'DV-7', keptAs: 'DV-7/2015-03-01' },
      ]);
      const again = await run([rehire]);
      expect(again.counts).toMatchObject({ rowsWritten: 0, unchanged: 1 });
      expect(again.notices).toEqual([]);
    },
  );

  it('When a complete delivery gives the id of a running employment to the contract that follows it, then the running one is not ended as missing', async () => {
    const { employer: e, run } = await employer();
    await run([
      person('9', { employments: [{ externalId: 'DV-9', startDate: '2025-07-01', endDate: '2027-06-30' }] }),
    ]);
    const r = await run([person('9', { employments: [{ externalId: 'DV-9', startDate: '2027-07-01' }] })]);
    expect(r.counts).toMatchObject({ ended: 0 });
    const stored = await bed.store.db('employments').where({ employer_id: e.id }).orderBy('start_date');
    expect(
      stored.map((m: { external_id: string; end_date: string | null; end_reason: string | null }) => [
        m.external_id,
        m.end_date,
        m.end_reason,
      ]),
    ).toEqual([
      ['DV-9/2025-07-01', '2027-06-30', null],
      ['DV-9', null, null],
    ]);
    expect(
      (await run([person('9', { employments: [{ externalId: 'DV-9', startDate: '2027-07-01' }] })])).counts,
    ).toMatchObject({ rowsWritten: 0, ended: 0 });
  });

  it('When a delivery corrects the dates of an ended employment without a gap after its end, then it is a correction of that employment', async () => {
    const { employer: e, run } = await employer({ delivery: 'mutations' });
    await run([
      person('8', { employments: [{ externalId: 'DV-8', startDate: '2015-03-01', endDate: '2020-12-31' }] }),
    ]);
    const r = await run([person('8', { employments: [{ externalId: 'DV-8', startDate: '2020-12-31' }] })]);
    expect(r.notices).toEqual([]);
    const rows = (await bed.store.db('employments').where({ employer_id: e.id })) as Array<{
      external_id: string;
    }>;
    expect(rows.map((m) => m.external_id)).toEqual(['DV-8']);
  });

  it('When a delivery gives the id back to the earlier contract after the follow-up started, then that record is left out and both contracts stay', async () => {
    const { employer: e, run } = await employer({ delivery: 'mutations' });
    const earlier = person('6', {
      employments: [{ externalId: 'DV-6', startDate: '2015-03-01', endDate: '2020-12-31' }],
      position: 'delivery.csv:2',
    });
    await run([earlier]);
    await run([person('6', { employments: [{ externalId: 'DV-6', startDate: '2023-01-01' }] })]);
    const stored = async () =>
      (
        (await bed.store.db('employments').where({ employer_id: e.id }).orderBy('start_date')) as Array<{
          external_id: string;
          start_date: string;
          end_date: string | null;
        }>
      ).map((m) => [m.external_id, m.start_date, m.end_date]);
    const before = await stored();
    expect(before).toEqual([
      ['DV-6/2015-03-01', '2015-03-01', '2020-12-31'],
      ['DV-6', '2023-01-01', null],
    ]);
    const r = await run([earlier]);
    expect(r.counts).toMatchObject({ rejected: 1, updated: 0 });
    expect(r.rejects).toEqual([
      {
        position: 'delivery.csv:2',
        field: 'externalId',
        reason:
          'employment DV-6 is delivered from 2015-03-01, the start of the earlier contract kept as DV-6/2015-03-01, ' +
          'while the contract that has this id started on 2023-01-01: this record is left out and both contracts kept. ' +
          'Deliver that contract under its id, or the earlier one under DV-6/2015-03-01',
      },
    ]);
    expect(await stored()).toEqual(before);
  });

  it.each(['complete', 'mutations'] as const)(
    'When a %s delivery gives the id back to the earlier contract after a follow-up that never started, then that contract is it again, with its history',
    async (delivery) => {
      const { employer: e, run } = await employer({ delivery });
      const contract = (validFrom?: string, hoursPerWeek = 32) =>
        person('7', {
          employments: [
            {
              externalId: 'DV-7',
              startDate: '2020-01-01',
              endDate: '2026-12-31',
              hoursPerWeek,
              ...(validFrom ? { validFrom } : {}),
            },
          ],
        });
      await run([contract()], { deliveryDate: '2026-11-20' });
      await run([contract('2024-01-01', 24)], { deliveryDate: '2026-11-21' });
      const followUp = person('7', {
        employments: [{ externalId: 'DV-7', startDate: '2027-01-01', hoursPerWeek: 24 }],
      });
      await run([followUp], { deliveryDate: '2026-11-27' });
      const ids = async () =>
        (
          (await bed.store.db('employments').where({ employer_id: e.id }).orderBy('start_date')) as Array<{
            external_id: string;
          }>
        ).map((m) => m.external_id);
      expect(await ids()).toEqual(['DV-7/2020-01-01', 'DV-7']);
      // The follow-up is called off: the source gives the earlier contract again.
      const r = await run([contract('2024-01-01', 24)]);
      expect(await ids()).toEqual(['DV-7']);
      const versions = await versionsOf(bed.store.db, e.id, 'DV-7');
      expect(versions.map((v) => [v.valid_from, v.valid_to, Number(v.hours_per_week)])).toEqual([
        ['2020-01-01', '2023-12-31', 32],
        ['2024-01-01', null, 24],
      ]);
      expect(r.notices.map((n) => n.message)).toContain(
        'employment DV-7 is delivered as the earlier contract again: the follow-up from 2027-01-01, not started, was withdrawn, and DV-7/2020-01-01 is DV-7 again',
      );
      expect((await run([contract('2024-01-01', 24)])).counts.rowsWritten).toBe(0);
    },
  );
});
