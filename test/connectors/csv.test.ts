import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { csv } from '../../connectors/csv/index.js';
import { CsvDecoder } from '../../connectors/csv/decoder.js';
import { getConnector } from '../../connectors/index.js';
import { AppError } from '../../src/errors.js';
import { loadMapping, mapRecord, type Mapping } from '../../src/sync/mapping/index.js';
import type { SourceRecord } from '../../src/sync/types.js';

const fixtures = path.resolve('test/fixtures/csv');
const fixture = (name: string) => path.join(fixtures, name);

async function readAll(settings: Record<string, unknown>): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  for await (const r of csv.read(csv.configSchema.parse(settings))) out.push(r);
  return out;
}

async function readError(settings: Record<string, unknown>): Promise<AppError> {
  try {
    await readAll(settings);
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error('expected the read to fail');
}

/** A UTF-8 BOM followed by Windows-1252 text (ü is 0xfc), as some export tools write. */
const bomAnsi = Buffer.concat([
  Buffer.from([0xef, 0xbb, 0xbf]),
  Buffer.from('Personeelsnummer;Achternaam\r\n1;M'),
  Buffer.from([0xfc]),
  Buffer.from('ller\r\n'),
]);

async function writeBytes(name: string, content: string | Buffer): Promise<string> {
  const file = path.join(tmp, name);
  await writeFile(file, content);
  return file;
}

let tmp: string;
let mapping: Mapping;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'koppeling-csv-'));
  mapping = await loadMapping('mappings/csv-standard.yaml');
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('csv connector', () => {
  it('When a UTF-8 file has a quoted value with a newline, then the record keeps it and its position is the line it starts on', async () => {
    const records = await readAll({ file: fixture('standard-utf8.csv') });
    expect(records).toHaveLength(2);
    expect(records[0]!.position).toBe('standard-utf8.csv:2');
    expect(records[1]!.position).toBe('standard-utf8.csv:3');
    expect(records[1]!.data.Straat).toBe('Lange\nNieuwstraat');
    expect(records[1]!.data.Achternaam).toBe('Müller');
  });

  it('When the file is Windows-1252 with ";", then auto encoding decodes the diacritics', async () => {
    const records = await readAll({ file: fixture('standard-windows1252.csv') });
    expect(records.map((r) => r.data.Achternaam)).toEqual(['Müller', 'Çelik', "d'Ançay", 'Meer']);
    expect(records[0]!.data.Afdelingsnaam).toBe('Financiën');
    expect(records[2]!.data.Roepnaam).toBe('Chloé');
    expect(records[3]!.data.Voorvoegsels).toBe('van der');
  });

  it('When the encoding is set to windows-1252 explicitly, then the same file reads the same', async () => {
    const records = await readAll({
      file: fixture('standard-windows1252.csv'),
      encoding: 'windows-1252',
      delimiter: ';',
    });
    expect(records[1]!.data.Achternaam).toBe('Çelik');
  });

  it('When a Windows-1252 file is read as utf-8, then the error gives the line and says to set the encoding', async () => {
    const err = await readError({ file: fixture('standard-windows1252.csv'), encoding: 'utf-8' });
    expect(err.message).toMatch(/^standard-windows1252\.csv:2: .*not valid UTF-8.*encoding: windows-1252/);
  });

  it('When the file has a BOM and "," as delimiter, then the BOM is dropped and the delimiter detected', async () => {
    const records = await readAll({ file: fixture('standard-utf8-bom-comma.csv') });
    expect(Object.keys(records[0]!.data)[0]).toBe('Personeelsnummer');
    expect(records[1]!.data.Achternaam).toBe('Çelik');
    expect(records[1]!.data['Uren per week']).toBe('32,5');
  });

  it('When a file has a UTF-8 BOM before Windows-1252 text and windows-1252 is set, then the setting wins and the BOM is dropped', async () => {
    const file = await writeBytes('bom-ansi.csv', bomAnsi);
    const records = await readAll({ file, encoding: 'windows-1252' });
    expect(Object.keys(records[0]!.data)).toEqual(['Personeelsnummer', 'Achternaam']);
    expect(records[0]!.data.Achternaam).toBe('Müller');
  });

  it('When a file has a UTF-8 BOM before Windows-1252 text and the encoding is auto, then the error names the BOM and the setting that reads it', async () => {
    const file = await writeBytes('bom-ansi-auto.csv', bomAnsi);
    expect((await readError({ file })).message).toMatch(
      /^bom-ansi-auto\.csv:2: the file starts with a UTF-8 BOM .*but is not valid UTF-8 here.*Set `encoding: windows-1252`/,
    );
  });

  it('When a file ends its lines with CR alone or CR LF, then an invalid byte is named on its own line', async () => {
    const bad = (sep: string) =>
      Buffer.concat([Buffer.from(`a;b${sep}1;Jan${sep}2;`), Buffer.from([0xe9]), Buffer.from(`x${sep}`)]);
    for (const [name, sep] of [
      ['cr-only.csv', '\r'],
      ['crlf.csv', '\r\n'],
    ] as const) {
      const file = await writeBytes(name, bad(sep));
      expect((await readError({ file, encoding: 'utf-8' })).message, name).toMatch(
        new RegExp(`^${name.replace('.', '\\.')}:3: the file is not valid UTF-8`),
      );
    }
  });

  it('When a UTF-8 file has one byte further on that is not UTF-8, then auto reads it as UTF-8 and names that line', async () => {
    const mixed = Buffer.concat([
      Buffer.from('Personeelsnummer;Achternaam\n1;Müller\n2;Jans', 'utf8'),
      Buffer.from([0xe9]),
      Buffer.from('n\n'),
    ]);
    const file = await writeBytes('mixed.csv', mixed);
    expect((await readError({ file })).message).toMatch(/^mixed\.csv:3: the file is not valid UTF-8 here/);
  });

  it('When a character is split over two chunks before an invalid byte, then the line of that byte is named', async () => {
    const decoder = new CsvDecoder('split.csv', 'utf-8');
    const chunks = [
      Buffer.from('a;b\n1;Caf\u00e9\n2;Ren', 'utf8'),
      Buffer.from([0xc3]),
      Buffer.concat([Buffer.from([0xa9]), Buffer.from('\n3;x\n4;'), Buffer.from([0xe9]), Buffer.from('\n')]),
    ];
    const failed = pipeline(Readable.from(chunks), decoder, new Writable({ write: (_c, _e, cb) => cb() }));
    await expect(failed).rejects.toThrow(/^split\.csv:5: the file is not valid UTF-8 here/);
  });

  it('When a file read as Windows-1252 has a byte Windows-1252 has no character for, then that line is named', async () => {
    const file = await writeBytes(
      'not-1252.csv',
      Buffer.concat([
        Buffer.from('Personeelsnummer;Achternaam\r\n1;Jan\r\n2;J'),
        Buffer.from([0x81]),
        Buffer.from('n\r\n'),
      ]),
    );
    expect((await readError({ file, encoding: 'windows-1252' })).message).toMatch(
      /^not-1252\.csv:3: the file has a byte here that is no character in Windows-1252/,
    );
  });

  it('When the file is tab-separated, then auto detects tab and "tab" works as a setting', async () => {
    const auto = await readAll({ file: fixture('standard-tab.csv') });
    const set = await readAll({ file: fixture('standard-tab.csv'), delimiter: 'tab' });
    expect(auto).toEqual(set);
    expect(auto[2]!.data.Achternaam).toBe("d'Ançay");
  });

  it('When every fixture is mapped with csv-standard, then diacritics, prefixes and codes come through', async () => {
    for (const name of ['standard-windows1252.csv', 'standard-utf8-bom-comma.csv', 'standard-tab.csv']) {
      const records = await readAll({ file: fixture(name) });
      const outcomes = records.map((r) => mapRecord(mapping, r));
      expect(outcomes.every((o) => o.ok)).toBe(true);
      const [muller, celik, ancay, meer] = outcomes.map((o) => (o.ok ? o.candidate : undefined));
      expect(muller!.employee).toMatchObject({ lastName: 'Müller', gender: 'M', birthDate: '1969-05-14' });
      expect(muller!.employments[0]).toMatchObject({
        contractType: 'O',
        hoursPerWeek: 40,
        noRiskPolicy: false,
      });
      expect(celik!.employments[0]).toMatchObject({
        hoursPerWeek: 32.5,
        contractType: 'B',
        validFrom: '2024-01-01',
      });
      expect(celik!.employee.vault).toMatchObject({ postcode: '2312AV', houseNumberSuffix: 'b' });
      expect(ancay!.employee).toMatchObject({ namePrefix: 'de', lastName: "d'Ançay", firstName: 'Chloé' });
      expect(meer!.employee).toMatchObject({
        namePrefix: 'van der',
        initials: 'P.J.',
        birthDate: '1975-01-01',
      });
      expect(meer!.employments[0]).toMatchObject({ externalId: '2004-2003-02-01', contractType: 'O' });
    }
  });

  it('When a quote is never closed, then the error names the line where the record starts and what to do', async () => {
    const err = await readError({ file: fixture('bad-unbalanced-quotes.csv') });
    expect(err.message).toMatch(
      /^bad-unbalanced-quotes\.csv:3: .*never closed \(unbalanced quotes\).*close the quote/,
    );
  });

  it('When text follows a closing quote, then the file is refused with the line and column', async () => {
    const cases: [string, number][] = [
      ['Naam;Nr\n"Jansen "Jr."";2\n', 1],
      ['Nr;Naam\r\n1;"Jansen" x;3\r\n', 2],
      ['Naam;Nr\n"Jansen" "Jr.";2\n', 1],
      ['Nr;Naam\n1;"Jansen"x\n', 2],
    ];
    for (const [i, [content, column]] of cases.entries()) {
      const file = await writeBytes(`after-quote-${i}.csv`, content);
      expect((await readError({ file })).message).toMatch(
        new RegExp(
          `^after-quote-${i}\\.csv:2: a quoted value in column ${column} is followed by other characters before the next ";"`,
        ),
      );
    }
  });

  it('When spaces surround quoted values ("a", "b"), then they are dropped, header names included', async () => {
    const file = await writeBytes(
      'spaced.csv',
      '"Achternaam", "Roepnaam" ,Nr\r\n  "Jansen" ,\t"Piet"\t, 7 \r\n',
    );
    const records = await readAll({ file });
    expect(records).toEqual([
      { position: 'spaced.csv:2', data: { Achternaam: 'Jansen', Roepnaam: 'Piet', Nr: ' 7 ' } },
    ]);
  });

  it('When the delimiter is tab, then spaces around a quoted value are dropped and tabs still separate', async () => {
    const file = await writeBytes('spaced-tab.csv', 'Naam\tNr\tPlaats\n"Jansen" \t "2"\t\t\n');
    const records = await readAll({ file, delimiter: 'tab' });
    expect(records[0]!.data).toEqual({ Naam: 'Jansen', Nr: '2', Plaats: '' });
  });

  it('When an unquoted value contains quotes, then they stay text, and so do its spaces', async () => {
    const file = await writeBytes('inner.csv', 'Naam;Omschrijving\nJan "de Man"; 12" monitor \n');
    const records = await readAll({ file });
    expect(records[0]!.data).toEqual({ Naam: 'Jan "de Man"', Omschrijving: ' 12" monitor ' });
  });

  it('When an unclosed quote runs into a later quoted value, then the error names the line where it opened', async () => {
    const file = await writeBytes('runaway.csv', 'Nr;Naam;Plaats\n1;"Jansen;Ede\n2;"Pietersen";Ede\n');
    expect((await readError({ file })).message).toMatch(
      /^runaway\.csv:2: a double quote opened in column 2 on this line is closed on line 3, .*never closed \(unbalanced quotes\)/,
    );
  });

  it('When one line of an LF file ends in CR LF after a quoted value, then the quotes are not kept', async () => {
    const file = await writeBytes('mixed.csv', 'Nr;Naam\n1;"Jansen"\r\n2;"Smit"\n');
    const records = await readAll({ file });
    expect(records.map((r) => [r.position, r.data.Naam])).toEqual([
      ['mixed.csv:2', 'Jansen'],
      ['mixed.csv:3', 'Smit'],
    ]);
  });

  it('When one line has too few columns, then that record carries a problem and the rest of the file is read', async () => {
    const records = await readAll({ file: fixture('bad-column-count.csv') });
    expect(records).toHaveLength(3);
    expect(records[1]!.problems?.[0]?.reason).toMatch(/line 3 has 20 column\(s\) but the header has 30/);
    const outcome = mapRecord(mapping, records[1]!);
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) {
      expect(outcome.position).toBe('bad-column-count.csv:3');
      expect(outcome.key?.personnelNumber).toBe('2002');
    }
    expect(mapRecord(mapping, records[2]!).ok).toBe(true);
  });

  it('When the delimiter is set to ";" but the file uses ",", then the error says which delimiter the file seems to use', async () => {
    const err = await readError({ file: fixture('bad-wrong-delimiter.csv'), delimiter: ';' });
    expect(err.message).toMatch(
      /^bad-wrong-delimiter\.csv:1: the header row has a single column.*separated by ","/,
    );
  });

  it('When a header name is duplicated or empty, then the error names the column', async () => {
    expect((await readError({ file: fixture('bad-duplicate-header.csv') })).message).toMatch(
      /:1: the header has the same name in column 2 \(B\) and column 3 \(C\)/,
    );
    expect((await readError({ file: fixture('bad-empty-header.csv') })).message).toMatch(
      /:1: header column 2 \(B\) has no name/,
    );
  });

  it('When the file is empty, then a header row is asked for', async () => {
    expect((await readError({ file: fixture('empty.csv') })).message).toMatch(/empty.*header row/);
  });

  it('When the file does not exist, then the error says to check the path', async () => {
    expect((await readError({ file: path.join(tmp, 'nope.csv') })).message).toMatch(
      /does not exist: check the path/,
    );
  });

  it('When Excel adds empty ";;;" lines and blank lines, then they are skipped and line numbers stay right', async () => {
    const file = path.join(tmp, 'gaps.csv');
    await writeFile(
      file,
      'Personeelsnummer;Achternaam;Datum in dienst\r\n1;A;1-1-2020\r\n\r\n;;\r\n2;"B\r\nC";1-1-2020\r\n3;D;1-1-2020',
    );
    const records = await readAll({ file });
    expect(records.map((r) => r.position)).toEqual(['gaps.csv:2', 'gaps.csv:5', 'gaps.csv:7']);
    expect(records[1]!.data.Achternaam).toBe('B\r\nC');
  });

  it('When the first non-ASCII byte comes after the first chunk, then auto still picks the right encoding', async () => {
    const file = path.join(tmp, 'late.csv');
    const filler = Array.from({ length: 3000 }, (_, i) => `${i};Jansen;1-1-2020`).join('\n');
    await writeFile(
      file,
      Buffer.concat([
        Buffer.from(`Personeelsnummer;Achternaam;Datum in dienst\n${filler}\n9999;M`),
        Buffer.from([0xfc]),
        Buffer.from('ller;1-1-2020\n'),
      ]),
    );
    const records = await readAll({ file });
    expect(records.at(-1)!.data.Achternaam).toBe('Müller');
  });

  it('When a config has both file and folder, or neither, then the settings are rejected', () => {
    expect(csv.configSchema.safeParse({ file: 'a.csv', folder: 'in' }).success).toBe(false);
    expect(csv.configSchema.safeParse({}).success).toBe(false);
    expect(csv.configSchema.safeParse({ file: 'a.csv', delimiter: '|' }).success).toBe(false);
    expect(csv.configSchema.safeParse({ file: 'a.csv', extra: 1 }).success).toBe(false);
  });

  it('When the link reads a folder and no file is chosen, then read says to pick one', () => {
    expect(() => csv.read(csv.configSchema.parse({ folder: tmp }))).toThrow(/drop folder/);
  });

  it('When check runs, then it reports the detected delimiter or what is wrong', async () => {
    expect(await csv.check(csv.configSchema.parse({ file: fixture('standard-tab.csv') }))).toMatchObject({
      ok: true,
      message: expect.stringMatching(/Delimiter tab/),
    });
    expect(await csv.check(csv.configSchema.parse({ file: path.join(tmp, 'x.csv') }))).toMatchObject({
      ok: false,
    });
  });

  it('When a connector name is unknown, then getConnector names the known ones', () => {
    expect(getConnector('csv')).toBe(csv);
    expect(() => getConnector('afas')).toThrow(/Unknown connector "afas": use one of csv, sivi/);
  });
});
