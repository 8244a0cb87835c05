import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { XmlDecoder } from '../../connectors/sivi/encoding.js';
import { sivi } from '../../connectors/sivi/index.js';
import { AppError } from '../../src/errors.js';
import type { SourceRecord } from '../../src/sync/types.js';

/**
 * How a SIVI delivery's bytes become text: byte order marks, the XML declaration, and the files that
 * say one thing and are another (a .NET StringWriter declares utf-16 and writes UTF-8).
 */

const wg = readFileSync(path.resolve('test/fixtures/sivi/werknemersgegevens.xml'), 'utf8');
const declared = (encoding: string) => wg.replace('encoding="UTF-8"', `encoding="${encoding}"`);

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'koppeling-sivi-enc-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function read(bytes: Buffer): Promise<SourceRecord[]> {
  const file = path.join(tmp, 'enc.xml');
  await writeFile(file, bytes);
  const out: SourceRecord[] = [];
  for await (const r of sivi.read(sivi.configSchema.parse({ file }))) out.push(r);
  return out;
}

async function readError(bytes: Buffer): Promise<string> {
  try {
    await read(bytes);
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return (err as AppError).message;
  }
  throw new Error('expected the read to fail');
}

const bom = {
  utf8: Buffer.from([0xef, 0xbb, 0xbf]),
  le: Buffer.from([0xff, 0xfe]),
  be: Buffer.from([0xfe, 0xff]),
};
/** UTF-16 big-endian bytes (iconv-lite writes little-endian only). */
const utf16be = (text: string) => iconv.encode(text, 'utf-16le').swap16();

describe('SIVI encodings', () => {
  it('When the file declares ISO-8859-15, then Š, Œ and € are read as such, not as Windows-1252', async () => {
    const text = declared('ISO-8859-15')
      .replace('Ayşe', 'Ayse')
      .replace('<sivi:SignNm>Berg<', '<sivi:SignNm>Šebek<')
      .replace('<sivi:Roepnaam>Jan<', '<sivi:Roepnaam>Œdipe<')
      .replace('Bakkerij De Korenaar', 'Bakkerij € De Korenaar');
    const records = await read(iconv.encode(text, 'iso-8859-15'));
    expect(records[0]!.data).toMatchObject({ SignNm: 'Šebek', Roepnaam: 'Œdipe' });
    expect(records[0]!.data.Wrkgvr).toMatchObject({ HndlsnmOrg: expect.stringContaining('Bakkerij € De') });
    expect(records[1]!.data.SignNm).toBe('Çelik');
  });

  it('When the file declares windows-1250, then Czech and Polish names come out right', async () => {
    const text = declared('windows-1250')
      .replace('Ayşe', 'Ayse')
      .replace("d'Ançay", 'Łukasiewicz')
      .replace('<sivi:SignNm>Berg<', '<sivi:SignNm>Dvořák<');
    const records = await read(iconv.encode(text, 'windows-1250'));
    expect(records[0]!.data.SignNm).toBe('Dvořák');
    expect(records[2]!.data.SignNm).toBe('Łukasiewicz');
  });

  it('When the file declares ISO-8859-1, then the bytes ISO-8859-1 leaves to control characters are read as Windows-1252', async () => {
    const text = declared('ISO-8859-1').replace('Ayşe', 'Ayse').replace('Bakkerij De', 'Bakkerij € De');
    const records = await read(iconv.encode(text, 'windows-1252'));
    expect(records[0]!.data.Wrkgvr).toMatchObject({ HndlsnmOrg: expect.stringContaining('Bakkerij € De') });
  });

  it('When a multi-byte encoding is fed a byte at a time, then no character is broken at a chunk edge', () => {
    const text = declared('GB18030').replace('<sivi:SignNm>Berg<', '<sivi:SignNm>王小明<');
    const bytes = iconv.encode(text, 'gb18030');
    const decoder = new XmlDecoder('gb.xml');
    let out = decoder.decode(bytes.subarray(0, 200), false);
    for (let i = 200; i < bytes.length; i++) out += decoder.decode(bytes.subarray(i, i + 1), false);
    out += decoder.decode(Buffer.alloc(0), true);
    expect(out).toBe(text);
  });

  it('When a file without BOM declares utf-16 but is written in UTF-8 (.NET StringWriter), then it is read as UTF-8', async () => {
    const records = await read(Buffer.from(declared('utf-16'), 'utf8'));
    expect(records).toHaveLength(3);
    expect(records[1]!.data).toMatchObject({ Roepnaam: 'Ayşe', SignNm: 'Çelik' });
  });

  it('When a file without BOM declares utf-16 and is not UTF-8 either, then the read says what it is not', async () => {
    const message = await readError(iconv.encode(declared('utf-16').replace('Ayşe', 'Ayse'), 'latin1'));
    expect(message).toMatch(
      /^enc\.xml:66: the file declares encoding "utf-16", but has no byte order mark and no NUL bytes, so it is not in that encoding; it was read as UTF-8, and the bytes here are not valid UTF-8 either/,
    );
  });

  it.each([
    ['UTF-16LE with BOM', Buffer.concat([bom.le, iconv.encode(declared('UTF-16'), 'utf-16le')])],
    ['UTF-16BE with BOM', Buffer.concat([bom.be, utf16be(declared('UTF-16'))])],
    ['UTF-16LE without BOM', iconv.encode(declared('UTF-16LE'), 'utf-16le')],
    ['UTF-16BE without BOM', utf16be(declared('UTF-16BE'))],
  ])('When the file is %s, then it is read', async (_what, bytes) => {
    const records = await read(bytes);
    expect(records).toHaveLength(3);
    expect(records[1]!.data).toMatchObject({ Roepnaam: 'Ayşe', SignNm: 'Çelik' });
  });

  it('When a UTF-8 BOM is followed by a declaration of another encoding and the bytes are UTF-8, then the BOM wins', async () => {
    const records = await read(Buffer.concat([bom.utf8, Buffer.from(declared('ISO-8859-1'), 'utf8')]));
    expect(records[1]!.data).toMatchObject({ Roepnaam: 'Ayşe', SignNm: 'Çelik' });
  });

  it('When a UTF-8 BOM is followed by a declaration of another encoding and the bytes are not UTF-8, then the read says they disagree', async () => {
    const text = declared('ISO-8859-1').replace('Ayşe', 'Ayse');
    const message = await readError(Buffer.concat([bom.utf8, iconv.encode(text, 'latin1')]));
    expect(message).toMatch(
      /^enc\.xml:66: the file starts with a UTF-8 byte order mark, but its XML declaration says encoding "iso-8859-1", and the bytes here are not valid UTF-8: the byte order mark and the declaration disagree/,
    );
  });

  it.each([
    [
      'an encoding nobody knows',
      'x-klingon',
      /^enc\.xml:1: the XML declaration says encoding "x-klingon", which is not supported/,
    ],
    [
      'an encoding the declaration is not written in',
      'base64',
      /^enc\.xml:1: the XML declaration says encoding "base64", but the declaration itself is not written in that encoding/,
    ],
  ])('When the file declares %s, then it is refused', async (_what, encoding, message) => {
    expect(await readError(Buffer.from(declared(encoding), 'utf8'))).toMatch(message);
  });

  it('When a character is split over two chunks before an invalid byte, then the line of that byte is named', () => {
    const decoder = new XmlDecoder('split.xml');
    const head = Buffer.from('<?xml version="1.0"?>\n<a>Caf\u00e9', 'utf8');
    // The chunk ends after the first byte of the second é.
    const first = Buffer.concat([head, Buffer.from([0xc3])]);
    const second = Buffer.concat([
      Buffer.from([0xa9]),
      Buffer.from('\nb\nc\nd'),
      Buffer.from([0xe9]),
      Buffer.from('</a>'),
    ]);
    decoder.decode(first, false);
    expect(() => decoder.decode(second, true)).toThrow(/^split\.xml:5: the file is not valid UTF-8 here/);
  });

  it.each([
    [
      'US-ASCII with an é in it',
      iconv.encode(declared('US-ASCII'), 'utf8'),
      /^enc\.xml:66: .*no character in its encoding \(us-ascii\)/,
    ],
    [
      'UTF-16 with the replacement character in it',
      Buffer.concat([bom.le, iconv.encode(declared('UTF-16').replace('Ayşe', 'Ay\ufffde'), 'utf-16le')]),
      /^enc\.xml:68: .*or the replacement character U\+FFFD/,
    ],
  ])(
    'When the file is %s, then it is refused with its line, not read with U+FFFD in a name',
    async (_what, bytes, message) => {
      expect(await readError(bytes)).toMatch(message);
    },
  );
});
