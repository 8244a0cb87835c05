import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isRealDate } from '../../src/domain/dates.js';
import {
  builtInCodeTables,
  isCalendarDate,
  dateFormatNames,
  formatDate,
  lookupCode,
  makeCodeTable,
  normalizeInitials,
  parseBoolean,
  parseDate,
  parseNumber,
} from '../../src/sync/mapping/transforms.js';

const isoDate = fc
  .date({ min: new Date(Date.UTC(1900, 0, 1)), max: new Date(Date.UTC(2199, 11, 31)), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10));

describe('date formats', () => {
  it.each(dateFormatNames)(
    'When any real date is written as %s and read back, then it is the same date',
    (format) => {
      fc.assert(
        fc.property(isoDate, (iso) => {
          const r = parseDate(formatDate(iso, format), [format]);
          expect(r).toEqual({ ok: true, value: iso });
        }),
      );
    },
  );

  it('When a day-month format reads a date that does not exist, then it says so instead of rolling over', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1900, max: 2199 }), fc.integer({ min: 1, max: 12 }), (y, m) => {
        const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
        const text = `${days + 1}-${m}-${y}`;
        expect(parseDate(text, ['d-m-yyyy'])).toEqual({
          ok: false,
          reason: 'is not an existing calendar date',
        });
      }),
    );
    expect(parseDate('29-02-2023', ['dd-mm-yyyy']).ok).toBe(false);
    expect(parseDate('29-02-2024', ['dd-mm-yyyy'])).toEqual({ ok: true, value: '2024-02-29' });
    expect(parseDate('20230229', ['yyyymmdd']).ok).toBe(false);
  });

  it('When the text matches none of the formats, then the reason lists them', () => {
    expect(parseDate('2024/01/02', ['d-m-yyyy', 'yyyy-mm-dd'])).toEqual({
      ok: false,
      reason: 'is not a date in the format d-m-yyyy or yyyy-mm-dd',
    });
    expect(parseDate('1-2-2024', ['dd-mm-yyyy']).ok).toBe(false);
    expect(parseDate('01-02-24', ['d-m-yyyy']).ok).toBe(false);
  });

  it('When several formats are allowed, then the first that matches is used', () => {
    expect(parseDate(' 1/2/2024 ', ['d-m-yyyy', 'd/m/yyyy'])).toEqual({ ok: true, value: '2024-02-01' });
    expect(parseDate('2024-02-01+01:00', ['xsd:date'])).toEqual({ ok: true, value: '2024-02-01' });
    expect(parseDate('2024-02-01Z', ['yyyy-mm-dd']).ok).toBe(false);
  });

  it('When any d-m-yyyy text is parsed, then it never throws and a success is a real ISO date', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const r = parseDate(s, ['d-m-yyyy', 'yyyymmdd']);
        if (r.ok) expect(r.value).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      }),
    );
  });
});

describe('isCalendarDate', () => {
  it('When any YYYY-MM-DD text is checked, then it agrees with the domain rule', () => {
    const part = (n: number, w: number) => String(n).padStart(w, '0');
    fc.assert(
      fc.property(
        fc.integer({ min: 100, max: 9999 }),
        fc.integer({ min: 0, max: 13 }),
        fc.integer({ min: 0, max: 32 }),
        (y, m, d) => {
          const iso = `${part(y, 4)}-${part(m, 2)}-${part(d, 2)}`;
          expect(isCalendarDate(iso)).toBe(isRealDate(iso));
        },
      ),
      { numRuns: 2000 },
    );
    expect(isCalendarDate('2024-2-01')).toBe(false);
    expect(isCalendarDate('2024-02-01x')).toBe(false);
    expect(isCalendarDate('20a4-02-01')).toBe(false);
  });
});

describe('numbers and booleans', () => {
  it.each([
    ['36', 36],
    ['36,5', 36.5],
    ['36.50', 36.5],
    [' 1.234,5 ', 1234.5],
    ['1,234.5', 1234.5],
    ['0', 0],
    ['', undefined],
  ])('When "%s" is read as a number, then it is %s', (text, value) => {
    expect(parseNumber(text)).toEqual({ ok: true, value });
  });

  it.each(['abc', '1,2,3', '12-5', '--1'])('When "%s" is read as a number, then it is a problem', (text) => {
    expect(parseNumber(text).ok).toBe(false);
  });

  it('When any number is written with a decimal comma, then it reads back the same', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 8000 }), (n) => {
        const hours = n / 100;
        expect(parseNumber(hours.toFixed(2).replace('.', ','))).toEqual({ ok: true, value: hours });
      }),
    );
  });

  it.each([
    ['ja', true],
    ['J', true],
    ['1', true],
    ['true', true],
    ['x', true],
    ['nee', false],
    ['N', false],
    ['0', false],
    ['', undefined],
  ])('When "%s" is read as yes/no, then it is %s', (text, value) => {
    expect(parseBoolean(text)).toEqual({ ok: true, value });
  });
});

describe('code tables', () => {
  const gender = makeCodeTable('gender', builtInCodeTables.gender!);
  const contract = makeCodeTable('contract', builtInCodeTables.contract!);

  it.each([
    ['M', 'M'],
    ['v', 'V'],
    ['O', 'O'],
    ['man', 'M'],
    ['Vrouw', 'V'],
    ['1', 'M'],
    ['2', 'V'],
  ])('When gender "%s" is looked up, then it is %s', (code, value) => {
    expect(lookupCode(gender, code)).toEqual({ ok: true, value });
  });

  it.each([
    ['B', 'B'],
    ['o', 'O'],
    ['bepaald', 'B'],
    ['Onbepaald', 'O'],
    ['bepaalde  tijd', 'B'],
  ])('When contract "%s" is looked up, then it is %s', (code, value) => {
    expect(lookupCode(contract, code)).toEqual({ ok: true, value });
  });

  it('When a code is unknown, then the reason names the table and what it accepts', () => {
    expect(lookupCode(contract, 'flex')).toEqual({
      ok: false,
      reason:
        'is not a known contract code (expected one of B, O, bepaald, onbepaald, bepaalde tijd, onbepaalde tijd, tijdelijk, vast)',
    });
  });

  it('When a table is case-sensitive, then only the exact code matches', () => {
    const t = makeCodeTable('dept', { ab: 'AB' }, true);
    expect(lookupCode(t, 'ab').ok).toBe(true);
    expect(lookupCode(t, 'AB').ok).toBe(false);
  });
});

describe('initials', () => {
  it.each([
    ['JA', 'J.A.'],
    ['j a', 'J.A.'],
    ['J.A.', 'J.A.'],
    ['j.a', 'J.A.'],
    ['Th.J.', 'Th.J.'],
    ['Chr. J.', 'Chr.J.'],
    ['', ''],
    ['jhm', 'J.H.M.'],
    ['JAN', 'J.A.N.'],
    // A given name in the initials column counts with its first letter.
    ['Jan', 'J.'],
    ['Jan Willem', 'J.W.'],
    ['Jan W.', 'J.W.'],
    ['Willem A.', 'W.A.'],
    ['IJsbrand', 'IJ.'],
    ['Ijsbrand', 'I.'],
    ['Émile', 'É.'],
    ['J-P', 'J.P.'],
    ['Anna Maria.', 'A.M.'],
    ['Joh. Willem', 'Joh.W.'],
  ])('When initials "%s" are normalised, then they read "%s"', (input, out) => {
    expect(normalizeInitials(input)).toBe(out);
  });
});
