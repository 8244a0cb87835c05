import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateXML } from 'xmllint-wasm';
import { sivi } from '../../connectors/sivi/index.js';
import { withAddress } from '../../connectors/sivi/address.js';
import { SiviTokenizer } from '../../connectors/sivi/tokenizer.js';
import { AppError } from '../../src/errors.js';
import { loadMapping, mapRecord, type Mapping } from '../../src/sync/mapping/index.js';
import type { Candidate, SourceRecord } from '../../src/sync/types.js';

const fixtures = path.resolve('test/fixtures/sivi');
const fixture = (name: string) => path.join(fixtures, name);
const schemas = path.resolve('connectors/sivi/xsd');

async function readAll(settings: Record<string, unknown>): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  for await (const r of sivi.read(sivi.configSchema.parse(settings))) out.push(r);
  return out;
}

async function readError(settings: Record<string, unknown>): Promise<{ error: AppError; records: number }> {
  let records = 0;
  try {
    for await (const _ of sivi.read(sivi.configSchema.parse(settings))) records++;
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return { error: err as AppError, records };
  }
  throw new Error('expected the read to fail');
}

function candidates(mapping: Mapping, records: SourceRecord[]): Candidate[] {
  return records.map((r) => {
    const o = mapRecord(mapping, r);
    if (!o.ok) throw new Error(`${o.position}: ${o.problems.map((p) => p.reason).join('; ')}`);
    return o.candidate;
  });
}

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'koppeling-sivi-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('SIVI fixtures', () => {
  it.each([
    ['dienstverbanden.xml', 'Dienstverbanden.xsd'],
    ['werknemersgegevens.xml', 'WerknemersGegevens.xsd'],
  ])('When %s is checked against %s, then it is valid', async (xml, xsd) => {
    const result = await validateXML({
      xml: { fileName: xml, contents: readFileSync(fixture(xml), 'utf8') },
      schema: { fileName: xsd, contents: readFileSync(path.join(schemas, xsd), 'utf8') },
    });
    expect(result.errors.map((e) => e.rawMessage)).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('When the schemas in the repository are compared with the shared originals, then they are the same', () => {
    const shared = path.resolve('../shared/sivi/xsd');
    for (const xsd of ['Dienstverbanden.xsd', 'WerknemersGegevens.xsd']) {
      let original: string;
      try {
        original = readFileSync(path.join(shared, xsd), 'utf8');
      } catch {
        continue; // no shared/ beside this checkout
      }
      expect(readFileSync(path.join(schemas, xsd), 'utf8')).toBe(original);
    }
  });
});

describe('sivi connector', () => {
  it('When a Dienstverbanden delivery is read, then each Wrknmr is one record with employer context and position', async () => {
    const records = await readAll({ file: fixture('dienstverbanden.xml') });
    expect(records).toHaveLength(3);
    expect(records[0]!.position).toBe('dienstverbanden.xml:33 /Dienstverbanden/Wrkgvr[1]/Wrknmr[1]');
    expect(records[2]!.position).toMatch(/\/Dienstverbanden\/Wrkgvr\[1\]\/Wrknmr\[3\]$/);
    expect(records[0]!.data.Wrkgvr).toEqual({
      HndlsnmOrg: 'Bakkerij De Korenaar & Zonen B.V.',
      InschrijvingsnrKvK: '12345678',
      IdWrkgvrArbdnst: 'WG-4711',
      AansltnrGeguitwlngArbdnst: 'AC-4711-01',
      Lhnr: '123456789L01',
    });
    expect(records[0]!.data.BrAlg).toMatchObject({
      BrCd: '00106',
      AandatBr: '2025-03-01',
      Berrefnr: 'DV-2025-03-01-0001',
    });
    const second = records[1]!.data.Dnstvbnd as Array<Record<string, string>>;
    expect(second).toHaveLength(2);
    expect(second[0]!.NmFnct).toBe('Verkoop & bezorging'); // CDATA
    expect(records[0]!.data.Dnstvbnd).toHaveLength(1); // a single group is still a list
  });

  it('When a Dienstverbanden delivery is mapped, then employments, sub-departments and partial employee data come out', async () => {
    const mapping = await loadMapping('mappings/sivi-dienstverbanden.yaml');
    const [a, b, c] = candidates(mapping, await readAll({ file: fixture('dienstverbanden.xml') }));
    expect(a!.partialEmployee).toBe(true);
    expect(a!.employee).toMatchObject({
      personnelNumber: '1001',
      remoteId: 'W-1001',
      gender: 'M',
      birthDate: '1980-02-01',
      lastName: '',
    });
    expect(a!.employments).toEqual([
      {
        externalId: 'DV-1001-1',
        startDate: '2015-03-01',
        validFrom: '2024-01-01',
        departmentCode: 'PROD-BRD',
        functionCode: 'F12',
        functionName: 'Bakker',
        contractType: 'O',
        hoursPerWeek: 36,
        normalHoursPerWeek: 40,
      },
    ]);
    expect(a!.departments).toEqual([
      { code: 'PROD', name: 'Productie' },
      { code: 'PROD-BRD', name: 'Broodbakkerij', parentCode: 'PROD' },
    ]);
    expect(b!.employments.map((e) => [e.externalId, e.endDate, e.hoursPerWeek])).toEqual([
      ['DV-1002-1', undefined, 24.5],
      ['DV-1002-2', '2024-12-31', 8],
    ]);
    expect(c!.employee.gender).toBe('O');
  });

  it('When a prefixed-namespace WerknemersGegevens delivery is mapped, then names, diacritics and vault data come out', async () => {
    const mapping = await loadMapping('mappings/sivi-werknemersgegevens.yaml');
    const records = await readAll({ file: fixture('werknemersgegevens.xml'), message: 'WerknemersGegevens' });
    expect(records[0]!.position).toBe('werknemersgegevens.xml:21 /WerknemerGegevens/Wrkgvr[1]/Wrknmr[1]');
    const [jan, ayse, lea] = candidates(mapping, records);
    expect(jan!.partialEmployee).toBeUndefined();
    expect(jan!.employee).toMatchObject({
      personnelNumber: '1001',
      initials: 'J.A.',
      firstName: 'Jan',
      namePrefix: 'van der',
      lastName: 'Berg',
    });
    expect(jan!.employee.vault).toEqual({
      bsn: '999996708',
      legalLastName: 'van der Berg',
      street: 'Dorpsstraat',
      houseNumber: '12',
      houseNumberSuffix: 'a',
      postcode: '1234AB',
      town: 'Utrecht',
      country: 'NL',
      phoneNumbers: ['030-1234567'],
      emailAddresses: ['jan.vanderberg@example.nl'],
      ibans: ['NL91ABNA0417164300'],
    });
    expect(ayse!.employee).toMatchObject({ firstName: 'Ayşe', lastName: 'Çelik' });
    expect(ayse!.employments).toHaveLength(2);
    expect(lea!.employee).toMatchObject({ namePrefix: 'de', lastName: "d'Ançay", firstName: 'Léa' });
    expect(lea!.employee.vault).toMatchObject({ country: 'CH', town: 'Sion', street: 'Rue du Rhône' });
  });

  it('When a person has several addresses, then the vault gets one whole address: the one in force, the home address first', async () => {
    const mapping = await loadMapping('mappings/sivi-werknemersgegevens.yaml');
    const address = (kind: string, pc: string, town: string, nr: string, dates = '') =>
      `<sivi:StrAdrNl><sivi:SrtAdrsCd>${kind}</sivi:SrtAdrsCd>${dates}<sivi:Pc>${pc}</sivi:Pc><sivi:Wnpl>${town}</sivi:Wnpl><sivi:Huisnr>${nr}</sivi:Huisnr></sivi:StrAdrNl>`;
    const older = address('01', '9999ZZ', 'Groningen', '99', '<sivi:Enddat>2019-12-31</sivi:Enddat>');
    const postal = address('02', '8888YY', 'Zwolle', '1');
    // Before Jan's own (current home) address: an ended home address and a postal address.
    const text = readFileSync(fixture('werknemersgegevens.xml'), 'utf8').replace(
      '<sivi:StrAdrNl>',
      `${older}${postal}<sivi:StrAdrNl>`,
    );
    const file = path.join(tmp, 'addresses.xml');
    await writeFile(file, text);
    const [jan] = candidates(mapping, await readAll({ file }));
    expect(jan!.employee.vault).toMatchObject({
      street: 'Dorpsstraat',
      houseNumber: '12',
      houseNumberSuffix: 'a',
      postcode: '1234AB',
      town: 'Utrecht',
      country: 'NL',
    });
  });

  it.each([
    [
      'an ended address and one in force',
      [
        ['01', '', '2019-12-31'],
        ['01', '2020-01-01', ''],
      ],
      1,
    ],
    [
      'a postal and a home address',
      [
        ['02', '', ''],
        ['01', '', ''],
      ],
      1,
    ],
    [
      'two home addresses in force',
      [
        ['01', '2018-01-01', ''],
        ['01', '2024-05-01', ''],
      ],
      1,
    ],
    ['only ended addresses', [['01', '', '2019-12-31']], 0],
  ])('When a record has %s, then Adres is the whole item chosen', (_what, items, chosen) => {
    const StrAdrNl = items.map(([kind, from, to], i) => ({
      SrtAdrsCd: kind,
      ...(from ? { Ingdat: from } : {}),
      ...(to ? { Enddat: to } : {}),
      Huisnr: String(i),
    }));
    const out = withAddress({ position: 'x', data: { StrAdrNl } }, '2026-11-29');
    expect(out.data.Adres).toEqual({ ...StrAdrNl[chosen as number], Land: 'NL' });
  });

  it.each([
    ['doctype-billion-laughs.xml', /:2 \/: the document contains a DOCTYPE or ENTITY declaration/],
    ['doctype-external-entity.xml', /:2 \/: the document contains a DOCTYPE or ENTITY declaration/],
    ['undefined-entity.xml', /:5 \/Dienstverbanden\/Wrkgvr\[1\]\/HndlsnmOrg: an entity reference/],
    [
      'truncated.xml',
      /:81 \/Dienstverbanden\/Wrkgvr\[1\]\/Wrknmr\[3\]: the file ends inside <Wrknmr> \(opened on line 80\); the delivery is truncated/,
    ],
    [
      'mismatched-tags.xml',
      /:43 \/Dienstverbanden\/Wrkgvr\[1\]\/Wrknmr\[1\]\/Dnstvbnd\[1\]\/NmFnct: the end tag <\/Fnctcd> does not match/,
    ],
    [
      'wrong-namespace.xml',
      /:3 \/Dienstverbanden: the root element <Dienstverbanden> is in namespace ".*\/2019"/,
    ],
    ['wrong-root.xml', /:3 \/Verzuimmelding: the root element is <Verzuimmelding>, not a SIVI/],
  ])('When the delivery is %s, then it is rejected with the line and element path', async (name, message) => {
    const { error } = await readError({ file: fixture(name) });
    expect(error.message.startsWith(name)).toBe(true);
    expect(error.message).toMatch(message);
    expect(error.message).not.toMatch(/lollol|root:/);
  });

  it('When a billion-laughs document is read, then it fails fast without expanding anything', async () => {
    const before = process.memoryUsage().heapUsed;
    const started = Date.now();
    await readError({ file: fixture('doctype-billion-laughs.xml') });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(50 * 1024 * 1024);
  });

  it('When a truncated delivery is read, then the records before the cut are yielded and then the read fails', async () => {
    const { records } = await readError({ file: fixture('truncated.xml') });
    expect(records).toBe(2);
  });

  it('When the link expects Dienstverbanden but gets WerknemersGegevens, then the read says so', async () => {
    const { error } = await readError({
      file: fixture('werknemersgegevens.xml'),
      message: 'Dienstverbanden',
    });
    expect(error.message).toMatch(/is a WerknemersGegevens message, but the link expects Dienstverbanden/);
  });

  it('When the document is split at every possible point, then the tokenizer gives the same records', () => {
    const text = readFileSync(fixture('werknemersgegevens.xml'), 'utf8');
    const whole = new SiviTokenizer('w.xml', 'auto');
    const expected = [...whole.push(text), ...whole.end()];
    for (const size of [1, 2, 3, 7, 64, 1000]) {
      const t = new SiviTokenizer('w.xml', 'auto');
      const got: SourceRecord[] = [];
      for (let i = 0; i < text.length; i += size) got.push(...t.push(text.slice(i, i + size)));
      got.push(...t.end());
      expect(got).toEqual(expected);
    }
  });

  it.each([
    ['text after the root', 'VALID x', /text after the end of the root element/],
    ['two roots', 'VALID<Dienstverbanden xmlns="NS"/>', /a second root element/],
    ['no root', '<!-- nothing -->', /no root element/],
    [
      'an undeclared prefix',
      '<x:Dienstverbanden xmlns="NS"/>',
      /prefix "x" of <x:Dienstverbanden> is not declared/,
    ],
    [
      'a foreign element',
      '<Dienstverbanden xmlns="NS"><BrAlg xmlns="urn:other"/></Dienstverbanden>',
      /<BrAlg> is in namespace "urn:other"/,
    ],
    ['no namespace', '<Dienstverbanden><BrAlg/></Dienstverbanden>', /namespace "\(none\)"/],
    [
      'a late XML declaration',
      '<Dienstverbanden xmlns="NS"><?xml version="1.0"?></Dienstverbanden>',
      /must be the very first thing/,
    ],
    ['an unclosed comment', '<Dienstverbanden xmlns="NS"><!-- open', /ends inside a comment/],
    [
      'an ENTITY without DOCTYPE',
      '<Dienstverbanden xmlns="NS"><!ENTITY a "b"></Dienstverbanden>',
      /DOCTYPE or ENTITY/,
    ],
    [
      'an entity in an attribute',
      '<Dienstverbanden xmlns="NS" a="&e;"/>',
      /:1 \/Dienstverbanden: in the attribute a of <Dienstverbanden>: an entity reference other than/,
    ],
    [
      'an unescaped "<" in a text, which is not quoted back',
      '<Dienstverbanden xmlns="NS"><BrAlg><030-1234567> (werk)</BrAlg></Dienstverbanden>',
      /^t\.xml:1 \/Dienstverbanden\/BrAlg: a "<" that does not open a valid start tag: a "<" in a text is written as &lt;$/,
    ],
  ])('When a document has %s, then it is rejected', (_what, xml, message) => {
    const t = new SiviTokenizer('t.xml', 'auto');
    const valid = readFileSync(fixture('dienstverbanden.xml'), 'utf8').trimEnd();
    const doc = xml
      .replace(/"NS"/g, '"http://www.sivi.org/Verzuimmanagement/Dienstverbanden/2022"')
      .replace('VALID', valid);
    expect(() => {
      t.push(doc);
      t.end();
    }).toThrow(message);
  });

  it('When comments, CDATA and attributes with ">" surround the records, then they do not confuse the tokenizer', () => {
    const xsi = 'http://www.w3.org/2001/XMLSchema-instance';
    const doc = readFileSync(fixture('dienstverbanden.xml'), 'utf8')
      .replace(/<(\/?)(?=[A-Z])/g, '<$1d:')
      .replace(
        '<d:Dienstverbanden xmlns=',
        `<d:Dienstverbanden xmlns:xsi="${xsi}" xsi:schemaLocation="a > b" xmlns:d=`,
      )
      .replace(
        '<d:Wrknmr>',
        `<!-- <d:Wrknmr> in a comment -->\n<d:Wrknmr xsi:noNamespaceSchemaLocation='x>y'>`,
      )
      .replace('<d:IdWrknmr>W-1001</d:IdWrknmr>', '<d:IdWrknmr><![CDATA[<W-1001>]]></d:IdWrknmr>');
    const t = new SiviTokenizer('c.xml', 'auto');
    const records = [...t.push(doc), ...t.end()];
    expect(records).toHaveLength(3);
    expect(records.map((r) => r.problems)).toEqual([undefined, undefined, undefined]);
    expect(records[0]!.position).toBe('c.xml:34 /Dienstverbanden/Wrkgvr[1]/Wrknmr[1]');
    expect(records[0]!.data.IdWrknmr).toBe('<W-1001>');
    expect(records[0]!.data.Wrkgvr).toMatchObject({ Lhnr: '123456789L01' });
  });

  it('When the file declares ISO-8859-1, then it is decoded as such', async () => {
    const text = readFileSync(fixture('werknemersgegevens.xml'), 'utf8').replace(
      'encoding="UTF-8"',
      'encoding="ISO-8859-1"',
    );
    const file = path.join(tmp, 'latin1.xml');
    await writeFile(file, iconv.encode(text.replace('Ayşe', 'Ayse'), 'latin1'));
    const records = await readAll({ file });
    expect(records[1]!.data.SignNm).toBe('Çelik');
    expect(records[2]!.data.Roepnaam).toBe('Léa');
  });

  it('When a UTF-8 file has invalid bytes, then the read names the line', async () => {
    const file = path.join(tmp, 'bad-utf8.xml');
    const text = readFileSync(fixture('dienstverbanden.xml'));
    const at = text.indexOf('Bakker<');
    await writeFile(file, Buffer.concat([text.subarray(0, at), Buffer.from([0xe9]), text.subarray(at)]));
    const { error } = await readError({ file });
    expect(error.message).toMatch(/^bad-utf8\.xml:43: the file is not valid UTF-8/);
  });

  it('When check runs, then it names the message type', async () => {
    expect(
      await sivi.check(sivi.configSchema.parse({ file: fixture('werknemersgegevens.xml') })),
    ).toMatchObject({
      ok: true,
      message: expect.stringMatching(/WerknemersGegevens/),
    });
    expect(await sivi.check(sivi.configSchema.parse({ file: fixture('wrong-root.xml') }))).toMatchObject({
      ok: false,
    });
  });
});
