import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { captureIo as io } from '../helpers/cli.js';

async function run(...argv: string[]) {
  const t = io();
  const { code } = await main(['mapping', 'check', ...argv], t.io);
  return { code, out: t.out.join(''), err: t.err.join('') };
}

/** Checks a CSV sample with the text `text` (written to a temporary file) as JSON with csv-standard. */
async function checkCsv(name: string, text: string) {
  const dir = await mkdtemp(path.join(tmpdir(), 'koppeling-check-'));
  try {
    const file = path.join(dir, name);
    await writeFile(file, text);
    const r = await run('mappings/csv-standard.yaml', '--sample', file, '--json');
    return { code: r.code, doc: JSON.parse(r.out) };
  } finally {
    await rm(dir, { recursive: true });
  }
}

describe('koppeling mapping check', () => {
  it('When a good CSV sample is checked, then each record is shown as mapped and it exits 0', async () => {
    const r = await run(
      'mappings/csv-standard.yaml',
      '--sample',
      'test/fixtures/csv/standard-windows1252.csv',
    );
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Record 1 at standard-windows1252\.csv:2: OK/);
    expect(r.out).toMatch(/employee\.lastName\s+Müller/);
    expect(r.out).toMatch(/employments\[1\]\.hoursPerWeek\s+32\.5/);
    expect(r.out).toMatch(/Summary: 4 records checked: 4 without problems, 0 with problems/);
  });

  it('When a sample has bad records, then every problem is listed and it exits 1', async () => {
    const r = await run('mappings/csv-standard.yaml', '--sample', 'test/fixtures/csv/bad-values.csv');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/! vault\.bsn: BSN fails the 11-check/);
    expect(r.out).toMatch(
      /! employments\[1\]\.endDate: Datum uit dienst 2019-12-31 is before Datum in dienst 2020-01-01/,
    );
    expect(r.out).toMatch(/! employee\.gender: Geslacht "Q" is not a known gender code/);
    expect(r.out).toMatch(
      /! employments\[1\]\.contractType: Soort contract "flex" is not a known contract code/,
    );
    expect(r.out).toMatch(/Summary: 6 records checked: 1 without problems, 5 with problems \(7 problems\)/);
  });

  it('When records are printed, then no BSN appears, not even partly, and vault fields show only their status', async () => {
    for (const json of [false, true]) {
      const r = await run(
        'mappings/csv-standard.yaml',
        '--sample',
        'test/fixtures/csv/bad-values.csv',
        ...(json ? ['--json'] : []),
      );
      expect(r.out).not.toMatch(/999996708|999998620|6708|8620/);
      expect(r.out).not.toMatch(/Kerkstraat|1011AA|h\.muller@example\.nl/);
      expect(r.out).toMatch(/\(present, valid\)/);
      expect(r.out).toMatch(/\(present, invalid\)/);
    }
  });

  it('When --json is given, then one JSON document comes out with records and a summary', async () => {
    const r = await run(
      'mappings/sivi-werknemersgegevens.yaml',
      '--sample',
      'test/fixtures/sivi/werknemersgegevens.xml',
      '--json',
      '--limit',
      '2',
    );
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc.connector).toBe('sivi');
    expect(doc.records).toHaveLength(2);
    expect(doc.records[0].mapped.vault.bsn).toBe('(present, valid)');
    expect(doc.records[0].mapped.vault.phoneNumbers).toBe('(1 value, valid)');
    expect(doc.summary).toEqual({ records: 2, ok: 2, withProblems: 0, problems: 0 });
  });

  it('When the CSV lacks columns the mapping reads, then they are listed and required ones are problems', async () => {
    const { code, doc } = await checkCsv(
      'kort.csv',
      'Personeelsnummer;Achternaam;Datum in dienst\n1;Jansen;1-1-2020\n',
    );
    expect(code).toBe(0);
    expect(doc.missingColumns).toEqual(
      expect.arrayContaining(['BSN', 'Geboortedatum', 'Afdelingscode', 'No-riskpolis']),
    );
    expect(doc.missingColumns).not.toContain('Achternaam');
  });

  it('When the CSV sample has only its header row, then the columns the mapping misses are still listed', async () => {
    const { doc } = await checkCsv('leeg.csv', 'Personeelsnummer;Achternaam;Datum in dienst\n');
    expect(doc.summary.records).toBe(0);
    expect(doc.missingColumns).toEqual(expect.arrayContaining(['BSN', 'Afdelingscode']));
    expect(doc.missingColumns).not.toContain('Personeelsnummer');
  });

  it('When the CSV header spells columns in other case or spacing, then they are read as the mapping names them', async () => {
    const { code, doc } = await checkCsv(
      'spelling.csv',
      'personeelsnummer;ACHTERNAAM;Datum  in dienst\n1;Jansen;1-1-2020\n',
    );
    expect(code).toBe(0);
    expect(doc.summary).toMatchObject({ records: 1, ok: 1 });
    for (const column of ['Personeelsnummer', 'Achternaam', 'Datum in dienst'])
      expect(doc.missingColumns).not.toContain(column);
    expect(doc.missingColumns).toContain('BSN');
  });

  it('When the CSV header has a problem, then the error is in the JSON and it exits 1', async () => {
    const r = await run(
      'mappings/csv-standard.yaml',
      '--sample',
      'test/fixtures/csv/bad-duplicate-header.csv',
      '--json',
    );
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).error).toMatch(/the same name in column 2 \(B\) and column 3 \(C\)/);
  });

  it('When a BSN sits in another column or in a first row that is a record, then no message shows it', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'koppeling-check-bsn-'));
    try {
      const shifted = path.join(dir, 'shifted.csv');
      const header = 'Personeelsnummer;Achternaam;Geslacht;Dienstverband-id;Datum in dienst';
      await writeFile(shifted, `${header}\n1001;Vries;111222333;DV-1;01-01-2020\n`);
      const a = await run('mappings/csv-standard.yaml', '--sample', shifted);
      expect(a.code).toBe(1);
      expect(a.out).toMatch(/! employee\.gender: Geslacht "\[redacted\]" is not a known gender code/);
      // A record taken for the header row (the whole row quoted) is not quoted back in the error.
      const quoted = path.join(dir, 'quoted.csv');
      await writeFile(quoted, '"1001;Vries;111222333;DV-1;01-01-2020"\n');
      const b = await run('mappings/csv-standard.yaml', '--sample', quoted, '--json');
      expect(b.code).toBe(1);
      expect(JSON.parse(b.out).error).toMatch(
        /the header row is one column of 36 characters with semicolons/,
      );
      expect(a.out + b.out).not.toContain('111222333');
      // A personnel number that is the person's BSN is refused and not shown.
      const keyed = path.join(dir, 'keyed.csv');
      await writeFile(keyed, `Personeelsnummer;Achternaam;BSN\n111222333;Vries;111222333\n`);
      const c = await run('mappings/csv-standard.yaml', '--sample', keyed);
      expect(c.code).toBe(1);
      expect(c.out).toMatch(/employee\.personnelNumber\s+\(the BSN, not shown\)/);
      expect(c.out).toMatch(
        /! employee\.personnelNumber: Personeelsnummer is the person's BSN \(value not shown\)/,
      );
      expect(c.out).not.toMatch(/111222333|2333/);
      // So is an employment id that is the person's BSN.
      const byId = path.join(dir, 'employment-id.csv');
      await writeFile(
        byId,
        `Personeelsnummer;Achternaam;BSN;Dienstverband-id;Datum in dienst\n1001;Vries;111222333;111222333;01-01-2020\n`,
      );
      const d = await run('mappings/csv-standard.yaml', '--sample', byId);
      expect(d.code).toBe(1);
      expect(d.out).toMatch(/employments\[1\]\.externalId\s+\(the BSN, not shown\)/);
      expect(d.out).toMatch(
        /! employments\[1\]\.externalId: Dienstverband-id is the person's BSN \(value not shown\)/,
      );
      expect(d.out).not.toMatch(/111222333|2333/);
      // A BSN-like number in another column is redacted in the mapped values too.
      const other = path.join(dir, 'other.csv');
      await writeFile(
        other,
        `Personeelsnummer;Achternaam;Functienaam;Datum in dienst\n1001;Vries;123 456 782;01-01-2020\n`,
      );
      const e = await run('mappings/csv-standard.yaml', '--sample', other);
      expect(e.out).toMatch(/employments\[1\]\.functionName\s+\[redacted\]/);
      expect(e.out).not.toMatch(/123 456 782|123456782/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('When the sample cannot be read to the end, then the error is shown and it exits 1', async () => {
    const r = await run('mappings/sivi-dienstverbanden.yaml', '--sample', 'test/fixtures/sivi/truncated.xml');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/Record 2 at truncated\.xml:53/);
    expect(r.out).toMatch(/could not be read to the end: truncated\.xml:81 .*truncated/);
  });

  it('When the mapping file is invalid, then it exits 1 with the file and path', async () => {
    const r = await run('test/fixtures/csv/empty.csv', '--sample', 'test/fixtures/csv/standard-tab.csv');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/test\/fixtures\/csv\/empty\.csv:1: \(top level\)/);
  });

  it.each([
    [['mappings/csv-standard.yaml'], /--sample <source-file> is required/],
    [
      ['mappings/csv-standard.yaml', '--sample', 'test/fixtures/csv/standard-tab.csv', '--limit', '0'],
      /--limit must be a whole number/,
    ],
    [
      ['mappings/csv-standard.yaml', '--sample', 'test/fixtures/csv/standard-tab.csv', '--connector', 'afas'],
      /--connector must be one of csv, sivi/,
    ],
    [['mappings/csv-standard.yaml', '--sample', 'nope.csv'], /sample file nope\.csv does not exist/],
    [['--sample', 'x.csv'], /expected 1 argument/],
  ])('When the call is wrong (%s), then it exits 2 with the usage', async (argv, message) => {
    const r = await run(...argv);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err).toMatch(/Usage: koppeling mapping check/);
  });

  it('When --limit is given, then only that many records are read', async () => {
    const r = await run(
      'mappings/csv-standard.yaml',
      '--sample',
      'test/fixtures/csv/standard-tab.csv',
      '--limit',
      '1',
    );
    expect(r.out).toMatch(/Summary: 1 record checked/);
  });

  it('When help is asked for, then mapping check is listed', async () => {
    const t = io();
    await main(['--help'], t.io);
    expect(t.out.join('')).toMatch(/koppeling mapping check <mapping-file> --sample <source-file>/);
  });
});
