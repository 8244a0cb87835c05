import { describe, expect, it } from 'vitest';
import {
  columnProblemsMessage,
  countRecord,
  countValues,
  mappingSpelling,
  startCounts,
  startElementCounts,
  type DeliveryColumns,
} from '../../src/sync/columns.js';
import { elementPaths, parseMapping } from '../../src/sync/mapping/index.js';

describe('delivery columns', () => {
  it('When records are counted, then only mapped header columns with a non-blank value count', () => {
    const columns: DeliveryColumns = { reads: ['BSN', 'Afdelingscode', 'IBAN'] };
    startCounts(columns, ['Afdelingscode', 'Kostenplaats', 'BSN']);
    expect(columns.counts).toEqual({ BSN: 0, Afdelingscode: 0 });
    countValues(columns.counts!, { BSN: '111222333', Afdelingscode: ' \t', Kostenplaats: 'K1' });
    countValues(columns.counts!, { BSN: '', Afdelingscode: ' KEUKEN' });
    countValues(columns.counts!, { Afdelingscode: 'KEUKEN' });
    expect(columns.counts).toEqual({ BSN: 1, Afdelingscode: 2 });
  });

  it('When columns are both lost and emptied, then one message names each kind', () => {
    expect(
      columnProblemsMessage({
        unit: 'column',
        lost: ['BSN'],
        emptied: [{ column: 'Afdelingscode', before: 12, of: 12 }],
      }),
    ).toBe(
      'The delivery lacks the column "BSN" that the last completed delivery had, and it has no value in any ' +
        'record in the column "Afdelingscode", which had values in the last completed delivery ' +
        '("Afdelingscode" in 12 of 12 records): the fields the mapping reads from them would be emptied for every ' +
        'employee in the delivery. Nothing was applied. Correct the export; if this is on purpose, rerun with --force.',
    );
  });

  it('When a header spells a mapped column in other case or spacing, then it takes the mapping name, if unambiguous', () => {
    const reads = ['BSN', 'Datum in dienst', 'Achternaam'];
    expect(mappingSpelling(reads, ['bsn', 'Datum  in  dienst', 'Achternaam', 'Kostenplaats'])).toEqual([
      'BSN',
      'Datum in dienst',
      'Achternaam',
      'Kostenplaats',
    ]);
    // The exact name wins; two other spellings of one name are left as they are.
    expect(mappingSpelling(reads, ['BSN', 'bsn'])).toEqual(['BSN', 'bsn']);
    expect(mappingSpelling(reads, ['Bsn', 'bsn'])).toEqual(['Bsn', 'bsn']);
  });

  it('When records without a header are counted, then a path counts a record once when any item of its group has a value', () => {
    const mapping = parseMapping(
      [
        'version: 1',
        'name: t',
        'employee:',
        '  - { target: personnelNumber, source: IdWrknmr }',
        '  - { target: lastName, source: SignNm }',
        '  - { target: vault.emailAddresses, each: Com, where: { SrtComCd: "09" }, source: NrCom }',
        '  - { target: vault.town, source: Adres/Wnpl, when: Adres/Pc }',
        'employments:',
        '  each: Dnstvbnd',
        '  fields:',
        '    - { target: startDate, source: Ingdat }',
        '    - { target: departmentCode, firstOf: [OndOrgeenhCd, /Afd] }',
      ].join('\n'),
      't.yaml',
    );
    const columns: DeliveryColumns = { reads: ['IdWrknmr'] };
    startElementCounts(columns, elementPaths(mapping));
    expect(columns.reads).toEqual([
      'IdWrknmr',
      'SignNm',
      'Com/SrtComCd',
      'Com/NrCom',
      'Adres/Pc',
      'Adres/Wnpl',
      'Dnstvbnd/Ingdat',
      'Dnstvbnd/OndOrgeenhCd',
      'Afd',
    ]);
    const records = [
      {
        IdWrknmr: 'W1',
        SignNm: ' ',
        Com: [{ SrtComCd: '05', NrCom: '' }, { NrCom: 'a@example.nl' }],
        Adres: { Pc: '1234AB', Wnpl: '' },
        Dnstvbnd: [{ Ingdat: '2020-01-01' }, { Ingdat: '2021-01-01', OndOrgeenhCd: 'KEUKEN' }],
      },
      { IdWrknmr: 'W2', Dnstvbnd: [{ Ingdat: '' }], Afd: 'A1' },
      { IdWrknmr: 'W3', Dnstvbnd: { OndOrgeenhCd: 'BAR' }, Adres: 'Dorpsstraat 1' },
    ];
    for (const data of records) countRecord(columns, data);
    expect(columns.counts).toEqual({
      IdWrknmr: 3,
      SignNm: 0,
      'Com/SrtComCd': 1,
      'Com/NrCom': 1,
      'Adres/Pc': 1,
      'Adres/Wnpl': 0,
      'Dnstvbnd/Ingdat': 1,
      'Dnstvbnd/OndOrgeenhCd': 2,
      Afd: 1,
    });
  });

  it('When elements of a delivery without a header were emptied, then the message speaks of elements', () => {
    expect(
      columnProblemsMessage({
        unit: 'element',
        lost: [],
        emptied: [
          { column: 'SofiNr', before: 12, of: 12 },
          { column: 'Dnstvbnd/OrgeenhCd', before: 11, of: 12 },
        ],
      }),
    ).toBe(
      'The delivery has no value in any record in the elements "SofiNr", "Dnstvbnd/OrgeenhCd", which had values ' +
        'in the last completed delivery ("SofiNr" in 12 of 12, "Dnstvbnd/OrgeenhCd" in 11 of 12 records): the ' +
        'fields the mapping reads from them would be emptied for every employee in the delivery. Nothing was ' +
        'applied. Correct the export; if this is on purpose, rerun with --force.',
    );
  });
});
