import { describe, expect, it } from 'vitest';
import {
  columnProblemsMessage,
  countValues,
  mappingSpelling,
  startCounts,
  type DeliveryColumns,
} from '../../src/sync/columns.js';

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
      columnProblemsMessage({ lost: ['BSN'], emptied: [{ column: 'Afdelingscode', before: 12, of: 12 }] }),
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
});
