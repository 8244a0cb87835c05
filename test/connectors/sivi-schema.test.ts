import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateXML } from 'xmllint-wasm';
import { valueProblem } from '../../connectors/sivi/conformance.js';
import { messageSchema, type SimpleType } from '../../connectors/sivi/schema.js';
import { SiviTokenizer } from '../../connectors/sivi/tokenizer.js';
import { AppError } from '../../src/errors.js';
import type { SourceRecord } from '../../src/sync/types.js';

/**
 * The schema check of SIVI deliveries, compared with libxml2 (xmllint) on the published schemas:
 * each case changes one thing in a valid fixture, and both must agree on whether the document is
 * still valid. Where it is not, a problem inside a Wrknmr rejects that record and a problem
 * elsewhere rejects the document.
 */

const fixtures = path.resolve('test/fixtures/sivi');
const schemas = path.resolve('connectors/sivi/xsd');
const documents = {
  dv: { xml: readFileSync(path.join(fixtures, 'dienstverbanden.xml'), 'utf8'), xsd: 'Dienstverbanden.xsd' },
  wg: {
    xml: readFileSync(path.join(fixtures, 'werknemersgegevens.xml'), 'utf8'),
    xsd: 'WerknemersGegevens.xsd',
  },
};

async function libxml2(doc: string, xsd: string): Promise<boolean> {
  const result = await validateXML({
    xml: { fileName: 'delivery.xml', contents: doc },
    schema: { fileName: xsd, contents: readFileSync(path.join(schemas, xsd), 'utf8') },
  });
  return result.valid;
}

type Outcome = { records: SourceRecord[] } | { error: string };

function ours(doc: string): Outcome {
  const t = new SiviTokenizer('delivery.xml', 'auto');
  try {
    return { records: [...t.push(doc), ...t.end()] };
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    return { error: err.message };
  }
}

const valid = (o: Outcome) => 'records' in o && o.records.every((r) => !r.problems);

// [what changes, document, [search, replacement], where a problem is: 'record', 'document' or 'none']
const cases: [string, keyof typeof documents, [string | RegExp, string], 'record' | 'document' | 'none'][] = [
  [
    'an unknown element in a record',
    'dv',
    ['<Gebdat>1980-02-01</Gebdat>', '<Geboortedatum>1980-02-01</Geboortedatum>'],
    'record',
  ],
  [
    'two elements swapped',
    'dv',
    [
      '<GslchtCd>M</GslchtCd>\n\t\t\t<IdWrknmr>W-1001</IdWrknmr>',
      '<IdWrknmr>W-1001</IdWrknmr><GslchtCd>M</GslchtCd>',
    ],
    'record',
  ],
  ['a required element left out', 'dv', ['<Gebdat>1980-02-01</Gebdat>', ''], 'record'],
  [
    'an element repeated',
    'dv',
    ['<IdWrknmr>W-1001</IdWrknmr>', '<IdWrknmr>W-1001</IdWrknmr><IdWrknmr>W-1001</IdWrknmr>'],
    'record',
  ],
  [
    'a date that does not exist',
    'dv',
    ['<Gebdat>1980-02-01</Gebdat>', '<Gebdat>1980-02-30</Gebdat>'],
    'record',
  ],
  ['a leap day', 'dv', ['<Gebdat>1980-02-01</Gebdat>', '<Gebdat>1980-02-29</Gebdat>'], 'none'],
  [
    'a date with a time zone',
    'dv',
    ['<Gebdat>1980-02-01</Gebdat>', '<Gebdat>1980-02-01+01:00</Gebdat>'],
    'none',
  ],
  ['a Dutch date', 'dv', ['<Gebdat>1980-02-01</Gebdat>', '<Gebdat>01-02-1980</Gebdat>'], 'record'],
  [
    'hours without decimals',
    'dv',
    ['<AantCtrcturenPWk>36.00</AantCtrcturenPWk>', '<AantCtrcturenPWk>36</AantCtrcturenPWk>'],
    'record',
  ],
  [
    'hours with a comma',
    'dv',
    ['<AantCtrcturenPWk>36.00</AantCtrcturenPWk>', '<AantCtrcturenPWk>36,00</AantCtrcturenPWk>'],
    'record',
  ],
  [
    'hours with a leading zero',
    'dv',
    ['<AantCtrcturenPWk>36.00</AantCtrcturenPWk>', '<AantCtrcturenPWk>036.00</AantCtrcturenPWk>'],
    'none',
  ],
  [
    'hours beyond the digits',
    'dv',
    ['<AantUNormWk>40.00</AantUNormWk>', '<AantUNormWk>10000.00</AantUNormWk>'],
    'record',
  ],
  ['an unknown gender code', 'dv', ['<GslchtCd>M</GslchtCd>', '<GslchtCd>X</GslchtCd>'], 'record'],
  ['an empty code', 'dv', ['<GslchtCd>M</GslchtCd>', '<GslchtCd></GslchtCd>'], 'record'],
  [
    'a function name too long',
    'dv',
    ['<NmFnct>Bakker</NmFnct>', `<NmFnct>${'B'.repeat(36)}</NmFnct>`],
    'record',
  ],
  [
    'a function name at the limit',
    'dv',
    ['<NmFnct>Bakker</NmFnct>', `<NmFnct>${'é'.repeat(35)}</NmFnct>`],
    'none',
  ],
  [
    'a name at the limit with a reference',
    'dv',
    ['<NmFnct>Bakker</NmFnct>', `<NmFnct>${'B'.repeat(34)}&amp;</NmFnct>`],
    'none',
  ],
  [
    'a name at the limit with character references',
    'dv',
    ['<NmFnct>Bakker</NmFnct>', `<NmFnct>${'B'.repeat(33)}&#233;&#x1F950;</NmFnct>`],
    'none',
  ],
  [
    'a name over the limit with a character reference',
    'dv',
    ['<NmFnct>Bakker</NmFnct>', `<NmFnct>${'B'.repeat(35)}&#xE9;</NmFnct>`],
    'record',
  ],
  ['a code as a character reference', 'dv', ['<GslchtCd>M</GslchtCd>', '<GslchtCd>&#77;</GslchtCd>'], 'none'],
  [
    'a date with character references',
    'dv',
    ['<Gebdat>1980-02-01</Gebdat>', '<Gebdat>1980&#x2D;02&#45;01</Gebdat>'],
    'none',
  ],
  [
    'a reference beyond Unicode',
    'dv',
    ['<NmFnct>Bakker</NmFnct>', '<NmFnct>B&#99999999;</NmFnct>'],
    'document',
  ],
  ['a reference to NUL', 'dv', ['<NmFnct>Bakker</NmFnct>', '<NmFnct>B&#0;</NmFnct>'], 'document'],
  ['a reference to a surrogate', 'dv', ['<NmFnct>Bakker</NmFnct>', '<NmFnct>B&#xD800;</NmFnct>'], 'document'],
  [
    'a namespace written with character references',
    'dv',
    ['/Dienstverbanden/2022"', '&#x2F;Dienstverbanden&#47;2022"'],
    'none',
  ],
  [
    'a CDATA name too long',
    'dv',
    ['<NmFnct>Bakker</NmFnct>', `<NmFnct><![CDATA[${'B'.repeat(36)}]]></NmFnct>`],
    'record',
  ],
  ['text among elements', 'dv', ['<Gebdat>1980-02-01</Gebdat>', 'x<Gebdat>1980-02-01</Gebdat>'], 'record'],
  [
    'an element inside a value',
    'dv',
    ['<NmFnct>Bakker</NmFnct>', '<NmFnct>Bak<b>ker</b></NmFnct>'],
    'record',
  ],
  ['an attribute', 'dv', ['<NmFnct>Bakker</NmFnct>', '<NmFnct lang="nl">Bakker</NmFnct>'], 'record'],
  ['an employment without department', 'dv', ['<OrgeenhCd>PROD</OrgeenhCd>', ''], 'record'],
  ['a wrong message code', 'dv', ['<BrCd>00106</BrCd>', '<BrCd>00600</BrCd>'], 'document'],
  [
    'a wrong message time',
    'dv',
    ['<AantijdBr>02:15:00</AantijdBr>', '<AantijdBr>25:15:00</AantijdBr>'],
    'document',
  ],
  ['an employer without payroll tax number', 'dv', ['<Lhnr>123456789L01</Lhnr>', ''], 'document'],
  ['a padded postcode', 'dv', ['<Pc>3511AB</Pc>', '<Pc> 3511AB</Pc>'], 'document'],
  [
    'a BSN with a leading zero',
    'wg',
    ['<sivi:SofiNr>999996708</sivi:SofiNr>', '<sivi:SofiNr>012345672</sivi:SofiNr>'],
    'none',
  ],
  [
    'a BSN of ten digits',
    'wg',
    ['<sivi:SofiNr>999996708</sivi:SofiNr>', '<sivi:SofiNr>9999967080</sivi:SofiNr>'],
    'record',
  ],
  [
    'a house number with letters',
    'wg',
    ['<sivi:Huisnr>12</sivi:Huisnr>', '<sivi:Huisnr>12a</sivi:Huisnr>'],
    'record',
  ],
  [
    'a negative house number',
    'wg',
    ['<sivi:Huisnr>12</sivi:Huisnr>', '<sivi:Huisnr>-12</sivi:Huisnr>'],
    'record',
  ],
  [
    'an employer element in a record',
    'wg',
    [
      '<sivi:Gebdat>1980-02-01</sivi:Gebdat>',
      '<sivi:Gebdat>1980-02-01</sivi:Gebdat><sivi:Lhnr>123456789L01</sivi:Lhnr>',
    ],
    'record',
  ],
  [
    'a schema location',
    'wg',
    [
      'xmlns:sivi=',
      'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="x y" xmlns:sivi=',
    ],
    'none',
  ],
];

describe('SIVI schema check', () => {
  it.each(cases)(
    'When a delivery has %s, then it agrees with libxml2',
    async (_what, which, [from, to], where) => {
      const { xml, xsd } = documents[which];
      const doc = xml.replace(from, to);
      expect(doc).not.toBe(xml);
      const outcome = ours(doc);
      expect(valid(outcome)).toBe(await libxml2(doc, xsd));
      expect(valid(outcome)).toBe(where === 'none');
      if (where === 'record') {
        expect('records' in outcome).toBe(true);
        const rejected = (outcome as { records: SourceRecord[] }).records.filter((r) => r.problems);
        expect(rejected).toHaveLength(1);
        for (const p of rejected[0]!.problems!) expect(p.reason).toMatch(/^line \d+: /);
      }
      if (where === 'document') expect(outcome).toHaveProperty('error');
    },
  );

  it('When a record breaks the schema, then the problems name the element, the line and the rule, never the value', () => {
    const doc = documents.wg.xml
      .replace('<sivi:SofiNr>999996708</sivi:SofiNr>', '<sivi:SofiNr>9999967089</sivi:SofiNr>')
      .replace('<sivi:GslchtCd>M</sivi:GslchtCd>', '<sivi:Geslacht>M</sivi:Geslacht>')
      .replace(
        '<sivi:AantCtrcturenPWk>36.00</sivi:AantCtrcturenPWk>',
        '<sivi:AantCtrcturenPWk>36</sivi:AantCtrcturenPWk>',
      );
    const outcome = ours(doc) as { records: SourceRecord[] };
    const first = outcome.records[0]!;
    expect(first.position).toBe('delivery.xml:21 /WerknemerGegevens/Wrkgvr[1]/Wrknmr[1]');
    expect(first.problems).toEqual([
      { field: 'SofiNr', reason: 'line 22: <SofiNr> has more than 9 digits (SIVI type Sofinummer)' },
      {
        field: 'Wrknmr',
        reason:
          'line 29: <Geslacht> is not an element of <Wrknmr> in the SIVI WerknemersGegevens 2022 schema',
      },
      {
        field: 'Wrknmr',
        reason:
          'line 30: <Wrknmr> lacks <GslchtCd> before <IdWrknmr>, which the SIVI WerknemersGegevens 2022 schema requires',
      },
      {
        field: 'Dnstvbnd[1]/AantCtrcturenPWk',
        reason:
          'line 59: <AantCtrcturenPWk> does not have the form the schema prescribes ([0-9]{1,3}[.][0-9]{2}) (SIVI type Aantal52)',
      },
    ]);
    expect(JSON.stringify(first.problems)).not.toContain('999996708');
    expect(first.data.IdWrknmr).toBe('W-1001');
    expect(outcome.records.slice(1).every((r) => !r.problems)).toBe(true);
  });

  it('When elements come out of order or a required one is skipped, then the problem says which and where', () => {
    const doc = documents.dv.xml.replace(
      '<Gebdat>1980-02-01</Gebdat>\n\t\t\t<GslchtCd>M</GslchtCd>',
      '<GslchtCd>M</GslchtCd>\n\t\t\t<Gebdat>1980-02-01</Gebdat>',
    );
    const first = (ours(doc) as { records: SourceRecord[] }).records[0]!;
    expect(first.problems?.map((p) => p.reason)).toEqual([
      'line 34: <Wrknmr> lacks <Gebdat> before <GslchtCd>, which the SIVI Dienstverbanden 2022 schema requires',
      'line 35: <Gebdat> comes after <GslchtCd>, but the schema puts it before that element',
    ]);
  });

  it('When the message header breaks the schema, then the whole document is rejected with the line and path', () => {
    const outcome = ours(documents.dv.xml.replace('<BrCd>00106</BrCd>', '<BrCd>00600</BrCd>'));
    expect(outcome).toEqual({
      error:
        'delivery.xml:5 /Dienstverbanden/BrAlg/BrCd: <BrCd> holds a code that does not exist: allowed are 00106 (the document does not follow the SIVI schema)',
    });
  });

  it('When a record has many problems, then ten are listed and the rest is summed up', () => {
    const many = Array.from({ length: 15 }, (_, i) => `<Extra${i}/>`).join('');
    const doc = documents.dv.xml.replace('<IdWrknmr>W-1001</IdWrknmr>', `<IdWrknmr>W-1001</IdWrknmr>${many}`);
    const problems = (ours(doc) as { records: SourceRecord[] }).records[0]!.problems!;
    expect(problems).toHaveLength(11);
    expect(problems[10]!.reason).toBe('more schema problems in this record are not listed');
  });

  it('When the published schemas are compiled, then every element of a record has a declaration', () => {
    const dv = messageSchema('Dienstverbanden');
    const wrknmr = dv.children!.find((c) => c.name === 'Wrkgvr')!.children!.find((c) => c.name === 'Wrknmr')!;
    expect(wrknmr.children!.map((c) => c.name)).toEqual([
      'IngdatMut',
      'Gebdat',
      'Overldat',
      'GslchtCd',
      'NivOpldngCd',
      'IdWrknmr',
      'IdWrknmrOud',
      'Dnstvbnd',
    ]);
    expect(wrknmr.max).toBe(Infinity);
    expect(messageSchema('WerknemersGegevens').name).toBe('WerknemerGegevens');
  });

  it.each([
    ['xsd:date', '2024-02-29', undefined],
    ['xsd:date', '2023-02-29', 'is not an existing date in the form yyyy-mm-dd'],
    ['xsd:date', ' 2024-01-01 ', undefined],
    ['xsd:date', '', 'is empty but must be an existing date in the form yyyy-mm-dd'],
    ['xsd:time', '24:00:00', undefined],
    ['xsd:time', '23:60:00', 'is not a time in the form hh:mm:ss'],
    ['xsd:decimal', '.5', undefined],
    ['xsd:decimal', '1e3', 'is not a number (with a point before any decimals)'],
    ['xsd:nonNegativeInteger', '-0', undefined],
    ['xsd:nonNegativeInteger', '-1', 'is not a whole number of 0 or more'],
  ])('When a %s holds "%s", then the check says %s', (type, value, problem) => {
    const base = type.slice(4) as SimpleType['base'];
    expect(valueProblem({ name: type, base, patterns: [] }, value)).toBe(problem);
  });
});
