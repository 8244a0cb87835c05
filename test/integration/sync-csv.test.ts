import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TestStore } from '../helpers/store.js';
import { csvHeader, csvRow, type CsvColumn } from '../helpers/csv-delivery.js';
import { findRun } from '../../src/sync/runs.js';
import { csvFileBed, storedState, testLink } from '../helpers/sync.js';
import { saveLink } from '../../src/store/links.js';
import { syncDelivery } from '../../src/sync/delivery.js';
import type { Vault } from '../../src/vault/vault.js';

const bed = csvFileBed('csv-e2e');
const { csvText, linkedFile, syncFile } = bed;
let store: TestStore;
let vault: Vault;
beforeAll(() => {
  ({ store, vault } = bed);
});

describe('CSV deliveries end to end (csv connector + csv-standard mapping + engine)', () => {
  it('When a Windows-1252 export with diacritics is synced, then names arrive intact and a rerun writes nothing', async () => {
    const file = join(bed.dir, 'cp1252.csv');
    writeFileSync(
      file,
      iconv.encode(
        csvText([
          csvRow('1', { Achternaam: 'Müller', Roepnaam: 'Zoë', Voorvoegsels: "in 't", BSN: '111222333' }),
          csvRow('2', { Achternaam: 'Çelik', 'Uren per week': '24,5' }),
        ]),
        'windows-1252',
      ),
    );
    const link = testLink('cp1252', { source: { file, encoding: 'auto', delimiter: 'auto' } });
    const employer = await saveLink(store.db, link, 'file');
    const run = () => syncDelivery({ store, vault, employerId: employer.id, link, trigger: 'cli' });
    const first = await run();
    expect(first).toMatchObject({ status: 'completed', counts: { created: 2, rejected: 0 } });
    const people = await store
      .db('employees')
      .where({ employer_id: employer.id })
      .orderBy('personnel_number');
    expect(people.map((p: { last_name: string; first_name: string }) => [p.first_name, p.last_name])).toEqual(
      [
        ['Zoë', 'Müller'],
        ['Joke', 'Çelik'],
      ],
    );
    const hours = await store.db.raw(
      `select v.hours_per_week from employment_versions v join employments m on m.id = v.employment_id
        where m.employer_id = ? and m.external_id = 'DV-2'`,
      [employer.id],
    );
    expect(hours.rows[0].hours_per_week).toBe(24.5);
    expect((await run())!.counts).toMatchObject({ rowsWritten: 0, unchanged: 2 });
  });

  it('When rows are invalid (BSN, end before start, unknown code), then each is quarantined and the rest applied', async () => {
    const { r } = await syncFile(
      'badrows',
      'bad.csv',
      csvText([
        csvRow('1'),
        csvRow('2', { BSN: '123456789' }),
        csvRow('3', { 'Datum uit dienst': '01-01-2019' }),
        csvRow('4', { 'Soort contract': 'X' }),
      ]),
    );
    expect(r.status).toBe('completed');
    expect(r.counts).toMatchObject({ created: 1, rejected: 3 });
    expect(r.rejects.map((x) => x.position.replace(/^.*:/, ''))).toEqual(['3', '4', '5']);
    expect(JSON.stringify(r.rejects)).not.toContain('123456789');
  });

  it('When an invalid row gives the employment id of a valid row, then both rows are left out and the rest applied', async () => {
    const { employer, r } = await syncFile(
      'rejected-twin',
      'twin.csv',
      csvText([
        csvRow('1', { 'Dienstverband-id': 'E1' }),
        csvRow('2', { 'Dienstverband-id': 'E1', 'Uren per week': '90' }),
        csvRow('3'),
      ]),
    );
    expect(r.status).toBe('completed');
    expect(r.counts).toMatchObject({ created: 1, rejected: 2 });
    const line = (x: { position: string }) => x.position.replace(/^.*:/, '');
    expect(r.rejects.map(line).sort()).toEqual(['2', '3']);
    expect(r.rejects.find((x) => line(x) === '2')!.reason).toMatch(
      /^employment E1 appears more than once in this delivery \(at .*twin\.csv:2, .*twin\.csv:3\); all these records are left out$/,
    );
    expect(await store.db('employments').where({ employer_id: employer.id }).pluck('external_id')).toEqual([
      'DV-3',
    ]);
  });

  it('When a line has a value too many before its key, then the employee it is about is held, not ended', async () => {
    // The key column is not the first: the extra ";" of an unquoted name moves it.
    const header = ['Achternaam', ...csvHeader.filter((h) => h !== 'Achternaam')];
    const rows = (shifted: boolean) =>
      Array.from({ length: 12 }, (_, i) =>
        csvRow(String(1001 + i), i === 1 && shifted ? { Achternaam: 'Berg; Jansen' } : {}),
      );
    const { employer, file, run } = await linkedFile(
      'shifted-key',
      'shifted.csv',
      csvText(rows(false), header),
    );
    expect((await run()).counts).toMatchObject({ created: 12 });
    writeFileSync(file, csvText(rows(true), header));
    const r = await run();
    expect(r.status).toBe('completed');
    expect(r.counts).toMatchObject({ rejected: 1, ended: 0 });
    const ended = await store.db('employments').where({ employer_id: employer.id }).whereNotNull('end_date');
    expect(ended).toEqual([]);
    const deleted = await store
      .db('employees')
      .where({ employer_id: employer.id })
      .whereNotNull('remote_deleted_at');
    expect(deleted).toEqual([]);
  });

  it('When a BSN sits in a column that quotes its value in a reason, then the quarantine does not show it', async () => {
    const { r } = await syncFile(
      'shifted',
      'shifted.csv',
      csvText([csvRow('1'), csvRow('2', { Geslacht: '111222333' })]),
    );
    expect(r).toMatchObject({ status: 'completed', counts: { created: 1, rejected: 1 } });
    expect(r.rejects).toEqual([
      {
        position: 'shifted.csv:3',
        field: 'employee.gender',
        reason: expect.stringMatching(/^Geslacht "\[redacted\]" is not a known gender code/),
      },
    ]);
    const stored = await store.db('sync_rejections').where({ run_id: r.runId });
    expect(stored).toHaveLength(1);
    expect(JSON.stringify(stored)).not.toContain('111222333');
  });

  it('When a line break in an unquoted street shifts the columns, then only the line problems are quarantined, quoting no value', async () => {
    const { r } = await syncFile(
      'broken-street',
      'broken.csv',
      csvText([
        csvRow('1'),
        csvRow('2', { Straat: 'Kerkstraat 1\nAchterhuis', Huisnummer: '12', Telefoon: '06-12345678' }),
      ]),
    );
    expect(r).toMatchObject({ status: 'completed', counts: { created: 1, rejected: 2 } });
    expect(r.rejects.map((x) => [x.position, x.field])).toEqual([
      ['broken.csv:3', '(line)'],
      ['broken.csv:4', '(line)'],
    ]);
    const stored = await store.db('sync_rejections').where({ run_id: r.runId });
    for (const value of ['Kerkstraat', 'Achterhuis', '06-12345678', '3511 AB', 'Utrecht', '"12"'])
      expect(JSON.stringify([stored, r])).not.toContain(value);
  });

  it('When values hold a NUL character, then those records are quarantined with it shown as \\0 and the rest applied', async () => {
    const { employer, run } = await linkedFile(
      'nul',
      'nul.csv',
      csvText([
        csvRow('1'),
        csvRow('2', { Achternaam: 'Dijk\u0000' }),
        csvRow('3', { Geslacht: 'V\u0000' }),
        // In the key too: the rejected record's key cannot be held either.
        csvRow('4', { Personeelsnummer: '4\u00005' }),
      ]),
      { delivery: 'mutations' },
    );
    const r = await run();
    expect(r).toMatchObject({ status: 'completed', counts: { created: 1, rejected: 3 } });
    expect(r.rejects.map((x) => [x.position, x.field])).toEqual([
      ['nul.csv:3', 'employee.lastName'],
      ['nul.csv:3', 'vault.legalLastName'],
      ['nul.csv:4', 'employee.gender'],
      ['nul.csv:5', 'employee.personnelNumber'],
    ]);
    expect(r.rejects[0]!.reason).toBe(
      'Achternaam "Dijk\\0" contains a NUL character (byte 0), which cannot be stored',
    );
    expect(r.rejects[1]!.reason).toBe(
      'Voorvoegsels + Achternaam (a protected field; value not shown) contains a NUL character (byte 0), which cannot be stored',
    );
    expect(r.rejects[2]!.reason).toMatch(/^Geslacht "V\\0" is not a known gender code/);
    const stored = await store.db('sync_rejections').where({ run_id: r.runId }).orderBy('position');
    expect(stored.map((x: { reason: string }) => x.reason)).toEqual(r.rejects.map((x) => x.reason));
    expect(await store.db('employees').where({ employer_id: employer.id }).count({ n: '*' })).toEqual([
      { n: 1 },
    ]);
  });

  it("When a personnel number is the person's BSN, then that record is quarantined and the number stored nowhere", async () => {
    const { employer, r } = await syncFile(
      'bsn-key',
      'bsn-key.csv',
      csvText([csvRow('1'), { ...csvRow('2'), Personeelsnummer: '111222333', BSN: '111222333' }]),
    );
    expect(r).toMatchObject({ status: 'completed', counts: { created: 1, rejected: 1 } });
    expect(r.rejects).toEqual([
      {
        position: 'bsn-key.csv:3',
        field: 'employee.personnelNumber',
        reason: expect.stringMatching(/^Personeelsnummer is the person's BSN \(value not shown\)/),
      },
    ]);
    const employees = await store.db('employees').where({ employer_id: employer.id });
    expect(employees.map((e: { personnel_number: string }) => e.personnel_number)).toEqual(['1']);
    const stored = await store.db('sync_rejections').where({ run_id: r.runId });
    expect(JSON.stringify([employees, stored, r])).not.toContain('111222333');
  });

  it('When the first row is a whole quoted record instead of a header, then the failed run does not show its BSN', async () => {
    const { r } = await syncFile(
      'quoted-first-row',
      'quoted.csv',
      '"1;Vries;111222333;DV-1;01-01-2020"\r\n',
      {
        delimiter: ';',
      },
    );
    expect(r.status).toBe('failed');
    expect(r.message).toMatch(
      /quoted\.csv:1: the header row is one column of 33 characters with semicolons in it, where the delimiter is ";"/,
    );
    const run = await store.db('sync_runs').where({ id: r.runId }).first();
    expect(run.message).toBe(r.message);
    expect(JSON.stringify(run)).not.toContain('111222333');
  });

  describe('a delivery that lacks columns the last completed one had', () => {
    const rows = [csvRow('1', { BSN: '111222333' }), csvRow('2')];
    const without = (...gone: CsvColumn[]) => csvHeader.filter((h) => !gone.includes(h));

    it('When Afdelingscode and BSN are left out, then nothing is applied and the run names the columns', async () => {
      const { employer, run, file } = await linkedFile('lost-columns', 'lost.csv', csvText(rows));
      expect(await run()).toMatchObject({ status: 'completed', counts: { created: 2 } });
      const before = await storedState(store.db, employer.id);

      writeFileSync(file, csvText(rows, without('Afdelingscode', 'BSN')));
      const dry = await run({ dryRun: true });
      expect(dry.status).toBe('guard_tripped');
      const r = await run();
      expect(r.status).toBe('guard_tripped');
      expect(r.message).toBe(
        'The delivery lacks the columns "BSN", "Afdelingscode" that the last completed delivery had: the fields ' +
          'the mapping reads from them would be emptied for every employee in the delivery. Nothing was applied. ' +
          'Correct the export; if this is on purpose, rerun with --force.',
      );
      expect(await storedState(store.db, employer.id)).toEqual(before);
      const recorded = await findRun(store.db, r.runId);
      expect(recorded).toMatchObject({ status: 'guard_tripped', message: r.message });
      expect(recorded!.columns).toMatchObject({ Personeelsnummer: 2, Achternaam: 2 });
      expect(Object.keys(recorded!.columns!)).not.toContain('BSN');

      // Forced: applied, and the new layout is what the next delivery is compared with.
      const forced = await run({ forcedBy: 'cli:operator' });
      expect(forced).toMatchObject({ status: 'completed', counts: { updated: 2 } });
      expect(await findRun(store.db, forced.runId)).toMatchObject({ forcedBy: 'cli:operator' });
      const versions = await store
        .db('employment_versions as v')
        .join('employments as m', 'm.id', 'v.employment_id')
        .where('m.employer_id', employer.id)
        .whereNull('v.valid_to');
      expect(versions.map((v: { department_id: string | null }) => v.department_id)).toEqual([null, null]);
      expect(await run()).toMatchObject({ status: 'completed', counts: { rowsWritten: 0 } });
    });

    it('When a delivery also ends too many employees, then the run says both, since --force overrides both', async () => {
      const { run, file } = await linkedFile('lost-and-missing', 'both.csv', csvText(rows));
      expect((await run()).status).toBe('completed');
      writeFileSync(file, csvText([rows[0]!], without('BSN')));
      const r = await run();
      expect(r.status).toBe('guard_tripped');
      expect(r.message).toMatch(
        /^The delivery lacks the column "BSN" that the last completed delivery had: /,
      );
      expect(r.message).toContain(
        'The complete delivery would end the employment of 1 of 2 current employees (50.0%), more than the guard of 10.0%.',
      );
      expect(r.counts).toMatchObject({ ended: 1, currentEmployees: 2, rowsWritten: 0 });
    });

    it('When a later export spells the headers in lower case, then the columns are the same and nothing changes', async () => {
      const { run, file } = await linkedFile('lower-case', 'lower.csv', csvText(rows));
      expect((await run()).status).toBe('completed');
      const lower = csvText(rows).replace(/^[^\r]*/, (header) => header.toLowerCase());
      expect(lower.startsWith('personeelsnummer;voorletters;')).toBe(true);
      writeFileSync(file, lower);
      expect(await run()).toMatchObject({ status: 'completed', counts: { rowsWritten: 0 } });
    });

    it('When a mutation delivery lacks a column, then it is stopped too', async () => {
      const { run, file } = await linkedFile('lost-mutations', 'mut.csv', csvText(rows), {
        delivery: 'mutations',
      });
      expect((await run()).status).toBe('completed');
      writeFileSync(file, csvText([rows[0]!], without('Uren per week')));
      const r = await run();
      expect(r.status).toBe('guard_tripped');
      expect(r.message).toMatch(/^The delivery lacks the column "Uren per week" that the last completed/);
    });

    it('When the first delivery leaves optional columns out, or a later one adds columns, then both complete', async () => {
      const { run, file } = await linkedFile(
        'few-columns',
        'few.csv',
        csvText(rows, without('Telefoon', 'IBAN')),
      );
      expect(await run()).toMatchObject({ status: 'completed', counts: { created: 2 } });
      writeFileSync(file, csvText(rows));
      expect(await run()).toMatchObject({ status: 'completed' });
      // A column the mapping does not read may come and go.
      const withCostCentre = rows.map((r, i) => ({ ...r, Kostenplaats: `K${i}` }));
      writeFileSync(file, csvText(withCostCentre, [...csvHeader, 'Kostenplaats']));
      expect(await run()).toMatchObject({ status: 'completed', counts: { rowsWritten: 0 } });
      writeFileSync(file, csvText(rows));
      expect(await run()).toMatchObject({ status: 'completed', counts: { rowsWritten: 0 } });
    });

    it('When a complete delivery has a column empty in every row that had values before, then nothing is applied', async () => {
      const staff = Array.from({ length: 12 }, (_, i) => csvRow(String(i + 1)));
      const blank = (column: CsvColumn) => staff.map((r) => ({ ...r, [column]: '' }));
      const { employer, run, file } = await linkedFile('emptied', 'emptied.csv', csvText(staff));
      expect(await run()).toMatchObject({ status: 'completed', counts: { created: 12 } });
      expect((await findRun(store.db, (await run()).runId))!.columns).toMatchObject({
        Afdelingscode: 12,
        'Uren per week': 12,
        IBAN: 0,
      });
      const before = await storedState(store.db, employer.id);

      writeFileSync(file, csvText(blank('Afdelingscode')));
      const r = await run();
      expect(r.status).toBe('guard_tripped');
      expect(r.message).toBe(
        'The delivery has no value in any record in the column "Afdelingscode", which had values in the last ' +
          'completed delivery ("Afdelingscode" in 12 of 12 records): the fields the mapping reads from it would be ' +
          'emptied for every employee in the delivery. Nothing was applied. Correct the export; if this is on ' +
          'purpose, rerun with --force.',
      );
      expect(await storedState(store.db, employer.id)).toEqual(before);
      // One row with a value is data, not a broken export.
      writeFileSync(file, csvText([...blank('Afdelingscode').slice(1), staff[0]!]));
      expect(await run()).toMatchObject({ status: 'completed', counts: { updated: 11 } });
    });

    it('When a column had values in fewer than ten rows or half of them, or the delivery holds mutations, then emptying it applies', async () => {
      const few = [csvRow('1', { IBAN: 'NL91ABNA0417164300' }), csvRow('2')];
      const small = await linkedFile('emptied-small', 'small.csv', csvText(few));
      expect((await small.run()).status).toBe('completed');
      writeFileSync(small.file, csvText([csvRow('1'), csvRow('2')]));
      expect(await small.run()).toMatchObject({ status: 'completed', counts: { updated: 1 } });

      // A sparse column (change dates in 10 of 24 rows) that is empty today is the data.
      const sparse = Array.from({ length: 24 }, (_, i) =>
        csvRow(String(i + 1), i < 10 ? { 'Ingangsdatum wijziging': '01-06-2026' } : {}),
      );
      const dates = await linkedFile('emptied-sparse', 'sparse.csv', csvText(sparse));
      expect((await dates.run()).status).toBe('completed');
      writeFileSync(dates.file, csvText(sparse.map((r) => ({ ...r, 'Ingangsdatum wijziging': '' }))));
      expect(await dates.run()).toMatchObject({ status: 'completed', counts: { rowsWritten: 0 } });

      const staff = Array.from({ length: 12 }, (_, i) => csvRow(String(i + 1)));
      const mutations = await linkedFile('emptied-mutations', 'mutations.csv', csvText(staff), {
        delivery: 'mutations',
      });
      expect((await mutations.run()).status).toBe('completed');
      writeFileSync(mutations.file, csvText([{ ...staff[0]!, 'Uren per week': '' }]));
      expect((await mutations.run()).status).toBe('completed');
    });
  });
});
