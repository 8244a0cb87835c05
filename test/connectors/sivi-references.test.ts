import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sivi } from '../../connectors/sivi/index.js';
import { parseElementXml } from '../../connectors/sivi/elements.js';
import { SiviTokenizer } from '../../connectors/sivi/tokenizer.js';
import { AppError } from '../../src/errors.js';
import type { SourceRecord } from '../../src/sync/types.js';

/**
 * Entity and character references in SIVI deliveries: character references are decoded in text and
 * attribute values (as every XML reader does), references to characters XML does not allow are
 * refused like any other malformed XML, and nothing else is ever expanded.
 */

const wg = readFileSync(path.resolve('test/fixtures/sivi/werknemersgegevens.xml'), 'utf8');

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'koppeling-sivi-refs-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** Writes `text` as refs.xml and reads it through the connector, as a sync does. */
async function read(
  text: string,
): Promise<{ records: SourceRecord[] } | { error: AppError; records: number }> {
  const file = path.join(tmp, 'refs.xml');
  await writeFile(file, text);
  const records: SourceRecord[] = [];
  try {
    for await (const r of sivi.read(sivi.configSchema.parse({ file }))) records.push(r);
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return { error: err as AppError, records: records.length };
  }
  return { records };
}

async function readError(text: string): Promise<string> {
  const outcome = await read(text);
  if (!('error' in outcome)) throw new Error('expected the read to fail');
  return outcome.error.message;
}

describe('SIVI character references', () => {
  it('When names are written with decimal and hex character references, then the records hold the characters', async () => {
    const doc = wg
      .replace('<sivi:SignNm>Berg<', '<sivi:SignNm>B&#233;rg<')
      .replace('<sivi:Roepnaam>Jan<', '<sivi:Roepnaam>J&#xE9;&#xe9;n<')
      .replace('Bakkerij De Korenaar &amp;', 'Bakkerij &#x1F950; De Korenaar &amp;#233;')
      .replace('<sivi:IdInzndr>LOONPAKKET-01<', '<sivi:IdInzndr>LOONPAKKET&#45;01<')
      .replace('/WerknemerGegevens/2022"', '&#x2F;WerknemerGegevens&#47;2022"');
    const outcome = await read(doc);
    expect(outcome).not.toHaveProperty('error');
    const records = (outcome as { records: SourceRecord[] }).records;
    expect(records.map((r) => r.problems)).toEqual([undefined, undefined, undefined]);
    expect(records[0]!.data).toMatchObject({ SignNm: 'Bérg', Roepnaam: 'Jéén' });
    // One pass: &amp;#233; is the text "&#233;", not é.
    expect(records[0]!.data.Wrkgvr).toMatchObject({
      HndlsnmOrg: 'Bakkerij \u{1F950} De Korenaar &#233; Zonen B.V.',
    });
    expect(records[0]!.data.BrAlg).toMatchObject({ IdInzndr: 'LOONPAKKET-01' });
  });

  it('When a character reference is inside CDATA, then it stays as written', async () => {
    const outcome = await read(wg.replace('<sivi:SignNm>Berg<', '<sivi:SignNm><![CDATA[B&#233;rg]]><'));
    expect((outcome as { records: SourceRecord[] }).records[0]!.data.SignNm).toBe('B&#233;rg');
  });

  it.each([
    ['beyond U+10FFFF', '&#99999999;', '&#99999999;'],
    ['zero', '&#0;', '&#0;'],
    ['a surrogate', '&#xD800;', '&#xD800;'],
    ['a control character', '&#x1;', '&#x1;'],
    ['a non-character', '&#xFFFE;', '&#xFFFE;'],
    ['absurdly long', `&#${'9'.repeat(40)};`, `&#${'9'.repeat(18)}...;`],
  ])(
    'When a character reference is %s, then the document is refused with the line and element path',
    async (_what, reference, shown) => {
      const message = await readError(wg.replace('<sivi:SignNm>Berg<', `<sivi:SignNm>B${reference}rg<`));
      expect(message).toBe(
        `refs.xml:24 /WerknemerGegevens/Wrkgvr[1]/Wrknmr[1]/SignNm: the character reference ${shown} stands for no character XML allows (zero, a control character, a surrogate or beyond U+10FFFF): the document is not well-formed XML`,
      );
    },
  );

  it('When a bad character reference is on a later line of a text, then that line is named', async () => {
    const message = await readError(wg.replace('<sivi:SignNm>Berg<', '<sivi:SignNm>Berg\n\n&#0;<'));
    expect(message).toMatch(
      /^refs\.xml:26 \/WerknemerGegevens\/Wrkgvr\[1\]\/Wrknmr\[1\]\/SignNm: the character reference &#0;/,
    );
  });

  it('When the message header has a bad character reference, then the document is refused there', async () => {
    const message = await readError(wg.replace('LOONPAKKET-01', 'LOONPAKKET&#xFFFFFF;'));
    expect(message).toMatch(
      /^refs\.xml:8 \/WerknemerGegevens\/BrAlg\/IdInzndr: the character reference &#xFFFFFF;/,
    );
  });

  it('When an attribute has a bad character reference, then the line of the reference and the element are named', async () => {
    const xsi = 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"';
    const doc = wg
      .replace('xmlns:sivi=', `${xsi} xmlns:sivi=`)
      .replace('<sivi:Wrknmr>', '<sivi:Wrknmr\n  xsi:schemaLocation="a &#xD800;">');
    const message = await readError(doc);
    expect(message).toBe(
      'refs.xml:22 /WerknemerGegevens/Wrkgvr[1]/Wrknmr: in the attribute xsi:schemaLocation of <sivi:Wrknmr>: the character reference &#xD800; stands for no character XML allows (zero, a control character, a surrogate or beyond U+10FFFF): the document is not well-formed XML',
    );
  });

  it('When a name uses an HTML entity, then the document is refused: only the five XML entities exist', async () => {
    const message = await readError(wg.replace('<sivi:SignNm>Berg<', '<sivi:SignNm>B&eacute;rg<'));
    expect(message).toMatch(
      /^refs\.xml:24 \/WerknemerGegevens\/Wrkgvr\[1\]\/Wrknmr\[1\]\/SignNm: an entity reference other than/,
    );
  });

  it('When a DOCTYPE declares an entity made of character references, then it is refused and nothing is expanded', async () => {
    const doc = wg
      .replace('?>\n', '?>\n<!DOCTYPE sivi:WerknemerGegevens [<!ENTITY e "&#233;&#233;">]>\n')
      .replace('<sivi:SignNm>Berg<', '<sivi:SignNm>B&e;rg<');
    const outcome = await read(doc);
    expect(outcome).toMatchObject({ records: 0 });
    expect((outcome as { error: AppError }).error.message).toMatch(
      /^refs\.xml:2 \/: the document contains a DOCTYPE or ENTITY declaration/,
    );
  });

  it('When fast-xml-parser parses a cut-out element, then it decodes references once and refuses declared entities', () => {
    expect(parseElementXml('<a><b>&#233;&#xE9;&amp;#233;&lt;</b></a>', 'a')).toEqual({ b: 'éé&#233;<' });
    expect(() => parseElementXml('<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>', 'a')).toThrow(
      /entity declarations are not accepted/,
    );
  });

  it('When references are split over chunks, then the tokenizer gives the same records', () => {
    const doc = wg.replace('<sivi:SignNm>Berg<', '<sivi:SignNm>B&#233;r&#x67;<');
    const whole = new SiviTokenizer('w.xml', 'auto');
    const expected = [...whole.push(doc), ...whole.end()];
    expect(expected[0]!.data.SignNm).toBe('Bérg');
    const t = new SiviTokenizer('w.xml', 'auto');
    const got: SourceRecord[] = [];
    for (let i = 0; i < doc.length; i += 3) got.push(...t.push(doc.slice(i, i + 3)));
    expect([...got, ...t.end()]).toEqual(expected);
  });

  it.each([
    ['in a text', (c: string) => wg.replace('<sivi:SignNm>Berg<', `<sivi:SignNm>Be${c}rg<`), 'SignNm'],
    [
      'in CDATA',
      (c: string) => wg.replace('<sivi:SignNm>Berg<', `<sivi:SignNm><![CDATA[Be${c}rg]]><`),
      'SignNm',
    ],
  ])(
    'When a control character is written as itself %s, then the document is refused as with its reference',
    async (_where, doc, element) => {
      for (const [c, code] of [
        ['\u0001', 'U+0001'],
        ['\u001b', 'U+001B'],
        ['\uffff', 'U+FFFF'],
      ]) {
        expect(await readError(doc(c!))).toBe(
          `refs.xml:24 /WerknemerGegevens/Wrkgvr[1]/Wrknmr[1]/${element}: the character ${code} (a control character or a noncharacter) is not allowed in XML: the document is not well-formed XML`,
        );
      }
    },
  );

  it('When an attribute holds a control character as itself, then the document is refused', async () => {
    const xsi = 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"';
    const doc = wg
      .replace('xmlns:sivi=', `${xsi} xmlns:sivi=`)
      .replace('<sivi:Wrknmr>', '<sivi:Wrknmr xsi:schemaLocation="a\u0002">');
    expect(await readError(doc)).toMatch(
      /^refs\.xml:21 \/WerknemerGegevens\/Wrkgvr\[1\]\/Wrknmr: in the attribute xsi:schemaLocation of <sivi:Wrknmr>: the character U\+0002/,
    );
  });
});
