import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { TextDecoder } from 'node:util';
import { Transform, type TransformCallback } from 'node:stream';
import { parse, type CsvError } from 'csv-parse';
import iconv from 'iconv-lite';
import { AppError } from '../../src/errors.js';
import type { SourceRecord } from '../../src/sync/types.js';
import { fileError } from '../file-source.js';

/** The only file of the csv connector that touches the file system. */

export type Delimiter = ';' | ',' | '\t';
export type Encoding = 'utf-8' | 'windows-1252';

export interface CsvReadOptions {
  delimiter: Delimiter | 'auto';
  encoding: Encoding | 'auto';
  signal?: AbortSignal | undefined;
  /**
   * Called with the header's column names once the header row is read and checked; names it
   * returns key the records instead (one per column).
   */
  onColumns?: ((names: readonly string[]) => readonly string[] | void) | undefined;
}

const candidates: Delimiter[] = [';', ',', '\t'];
const PEEK_BYTES = 64 * 1024;
/** A record longer than this is almost always an unclosed quote swallowing the rest of the file. */
const MAX_RECORD_CHARS = 1_000_000;

export function delimiterName(d: string): string {
  return d === '\t' ? 'tab' : `"${d}"`;
}

/** What the first line of the file says: its delimiter (detected or checked) and header names. */
export interface CsvHeaderInfo {
  delimiter: Delimiter;
  bom: 'utf-8' | 'utf-16le' | 'utf-16be' | undefined;
}

/**
 * Reads only the start of the file to pick (or check) the delimiter from the header line. Counts
 * candidate delimiters outside quotes; the most frequent wins (";" on a tie, as Dutch Excel writes).
 */
export async function sniffCsv(file: string, wanted: Delimiter | 'auto'): Promise<CsvHeaderInfo> {
  const name = path.basename(file);
  let bytes: Buffer;
  try {
    const handle = await open(file, 'r');
    try {
      const buf = Buffer.alloc(PEEK_BYTES);
      const { bytesRead } = await handle.read(buf, 0, PEEK_BYTES, 0);
      bytes = buf.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch (err) {
    throw fileError(err, file, 'delivery file');
  }
  const bom = detectBom(bytes);
  const text =
    bom === 'utf-16le' || bom === 'utf-16be'
      ? new TextDecoder(bom).decode(bytes)
      : bytes.toString('latin1').replace(/^\u00ef\u00bb\u00bf/, '');
  const headerLine = firstLine(text);
  if (headerLine.trim() === '') {
    throw new AppError(
      'validation_failed',
      `${name}:1: the file is empty or starts with an empty line; a header row with the column names is required on line 1.`,
    );
  }
  const counts = candidates.map((d) => countOutsideQuotes(headerLine, d));
  if (wanted !== 'auto') {
    const own = counts[candidates.indexOf(wanted)]!;
    if (own === 0) {
      const best = candidates.reduce(
        (a, d, i) => (counts[i]! > counts[candidates.indexOf(a)]! ? d : a),
        wanted,
      );
      if (best !== wanted) {
        throw new AppError(
          'validation_failed',
          `${name}:1: the header row has a single column with delimiter ${delimiterName(wanted)}, but it contains ${counts[candidates.indexOf(best)]} ${delimiterName(best)}: the file seems to be separated by ${delimiterName(best)}. Set \`delimiter: ${best === '\t' ? 'tab' : `"${best}"`}\` (or \`auto\`) in the link settings, or export the file with ${delimiterName(wanted)}.`,
        );
      }
    }
    return { delimiter: wanted, bom };
  }
  let best: Delimiter = ';';
  let bestCount = counts[0]!;
  candidates.forEach((d, i) => {
    if (counts[i]! > bestCount) {
      best = d;
      bestCount = counts[i]!;
    }
  });
  return { delimiter: best, bom };
}

function detectBom(bytes: Buffer): CsvHeaderInfo['bom'] {
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return 'utf-8';
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  return undefined;
}

function firstLine(text: string): string {
  let inQuotes = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') inQuotes = !inQuotes;
    else if ((c === '\n' || c === '\r') && !inQuotes) return text.slice(0, i);
  }
  return text;
}

function countOutsideQuotes(line: string, d: string): number {
  let inQuotes = false;
  let n = 0;
  for (const c of line) {
    if (c === '"') inQuotes = !inQuotes;
    else if (c === d && !inQuotes) n++;
  }
  return n;
}

/**
 * Bytes to text: strips a BOM, decodes UTF-8 strictly (an invalid byte is an error with its line),
 * Windows-1252 through iconv-lite, or decides between the two at the first non-ASCII byte.
 */
export class CsvDecoder extends Transform {
  private mode: 'undecided' | 'utf-8' | 'windows-1252' | 'utf-16le' | 'utf-16be';
  private utf8 = new TextDecoder('utf-8', { fatal: true });
  private utf16: TextDecoder | undefined;
  private started = false;
  private carry: Buffer | undefined;
  private lines = 1;
  /** The encoding that was used, once known (for messages and `mapping check`). */
  decided: string | undefined;

  constructor(
    private readonly name: string,
    wanted: Encoding | 'auto',
  ) {
    super({ readableObjectMode: false, decodeStrings: true, encoding: 'utf8' });
    this.mode = wanted === 'auto' ? 'undecided' : wanted;
    if (wanted !== 'auto') this.decided = wanted;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    try {
      let bytes = this.carry ? Buffer.concat([this.carry, chunk]) : chunk;
      this.carry = undefined;
      if (!this.started) {
        if (
          bytes.length < 3 &&
          bytes.length > 0 &&
          (bytes[0] === 0xef || bytes[0] === 0xff || bytes[0] === 0xfe)
        ) {
          this.carry = bytes;
          return cb();
        }
        this.started = true;
        const bom = detectBom(bytes);
        if (bom === 'utf-8') {
          bytes = bytes.subarray(3);
          // A BOM is unambiguous: it wins over the configured encoding.
          this.setMode('utf-8');
        } else if (bom === 'utf-16le' || bom === 'utf-16be') {
          this.setMode(bom);
          this.utf16 = new TextDecoder(bom);
          bytes = bytes.subarray(2);
        }
      }
      cb(null, this.decode(bytes, false));
    } catch (err) {
      cb(err as Error);
    }
  }

  override _flush(cb: TransformCallback): void {
    try {
      const rest = this.carry ?? Buffer.alloc(0);
      this.carry = undefined;
      const text = this.decode(rest, true);
      cb(null, text);
    } catch (err) {
      cb(err as Error);
    }
  }

  private setMode(mode: CsvDecoder['mode']): void {
    this.mode = mode;
    this.decided = mode;
  }

  private decode(bytes: Buffer, end: boolean): string {
    if (this.mode === 'undecided') {
      const first = bytes.findIndex((b) => b >= 0x80);
      if (first === -1) return this.count(bytes.toString('latin1'));
      if (!end && bytes.length - first < 4) {
        // Too few bytes after the first non-ASCII one to tell; decide with the next chunk.
        this.carry = bytes.subarray(first);
        return this.count(bytes.subarray(0, first).toString('latin1'));
      }
      this.setMode(looksLikeUtf8(bytes.subarray(first), end) ? 'utf-8' : 'windows-1252');
    }
    if (this.mode === 'windows-1252') return this.count(iconv.decode(bytes, 'win1252'));
    if (this.mode === 'utf-16le' || this.mode === 'utf-16be') {
      return this.count(this.utf16!.decode(bytes, { stream: !end }));
    }
    try {
      return this.count(this.utf8.decode(bytes, { stream: !end }));
    } catch {
      const partial = new TextDecoder('utf-8').decode(bytes);
      const at = partial.indexOf('\ufffd');
      const line = this.lines + countNewlines(partial.slice(0, Math.max(at, 0)));
      throw new AppError(
        'validation_failed',
        `${this.name}:${line}: the file is not valid UTF-8 here. It is probably saved as Windows-1252 (ANSI): set \`encoding: windows-1252\` in the link settings, or save the file as "CSV UTF-8".`,
      );
    }
  }

  private count(text: string): string {
    this.lines += countNewlines(text);
    return text;
  }
}

function countNewlines(text: string): number {
  let n = 0;
  let i = text.indexOf('\n');
  while (i !== -1) {
    n++;
    i = text.indexOf('\n', i + 1);
  }
  return n;
}

function looksLikeUtf8(bytes: Buffer, end: boolean): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: !end });
    return true;
  } catch {
    return false;
  }
}

/**
 * Streams the records of a CSV file as source records keyed by header name, with `name.csv:LINE`
 * (the line where the record starts) as position. Never holds more than one record and one chunk.
 */
export async function* readCsvFile(file: string, options: CsvReadOptions): AsyncGenerator<SourceRecord> {
  const name = path.basename(file);
  const sniffed = await sniffCsv(file, options.delimiter);
  const delimiter = sniffed.delimiter;
  const source = createReadStream(file, { highWaterMark: PEEK_BYTES, signal: options.signal });
  const decoder = new CsvDecoder(name, options.encoding);
  const parser = parse({
    delimiter,
    relax_quotes: true,
    relax_column_count: true,
    // Empty lines come through as [''] and are skipped below, which keeps the line count exact
    // without csv-parse's per-record info objects.
    max_record_size: MAX_RECORD_CHARS,
  });
  source.on('error', (err) => decoder.destroy(err));
  decoder.on('error', (err) => parser.destroy(err));
  source.pipe(decoder).pipe(parser);

  let header: string[] | undefined;
  let prevEnd = 0;
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      // Own line count: csv-parse counts a CR LF inside a quoted value as two lines.
      const line = prevEnd + 1;
      prevEnd = line + lineBreaks(record);
      if (!header) {
        header = checkHeader(name, record, delimiter);
        const keys = options.onColumns?.(header);
        if (keys && keys.length === header.length) header = [...keys];
        continue;
      }
      if (allEmpty(record)) continue; // empty lines, and Excel's ";;;;" lines
      const data: Record<string, string> = {};
      const n = Math.min(record.length, header.length);
      for (let i = 0; i < n; i++) data[header[i]!] = record[i]!;
      const position = `${name}:${line}`;
      if (record.length !== header.length) {
        yield {
          position,
          data,
          problems: [
            {
              field: '(line)',
              reason: `line ${line} has ${record.length} column(s) but the header has ${header.length}: look for a missing or extra ${delimiterName(delimiter)}, or a value containing ${delimiterName(delimiter)} that is not in double quotes.`,
            },
          ],
        };
        continue;
      }
      yield { position, data };
    }
  } catch (err) {
    throw csvError(err, name, prevEnd + 1, delimiter);
  } finally {
    source.destroy();
    parser.destroy();
  }
  if (!header) {
    throw new AppError(
      'validation_failed',
      `${name}:1: the file is empty; a header row with the column names is required.`,
    );
  }
}

function allEmpty(record: string[]): boolean {
  for (const v of record) if (v.trim() !== '') return false;
  return true;
}

function lineBreaks(record: string[]): number {
  let n = 0;
  for (const v of record) {
    if (v.indexOf('\n') === -1 && v.indexOf('\r') === -1) continue;
    const m = v.match(/\r\n|\r|\n/g);
    n += m ? m.length : 0;
  }
  return n;
}

function checkHeader(name: string, record: string[], delimiter: Delimiter): string[] {
  const names = record.map((h) => h.trim());
  const seen = new Map<string, number>();
  names.forEach((h, i) => {
    if (h === '') {
      const after = i > 0 ? ` (after "${names[i - 1]}")` : '';
      throw new AppError(
        'validation_failed',
        `${name}:1: header column ${i + 1}${after} has no name: every column needs a name in the header row; remove the empty column or name it.`,
      );
    }
    const before = seen.get(h);
    if (before !== undefined) {
      throw new AppError(
        'validation_failed',
        `${name}:1: the header has column "${h}" twice (columns ${before + 1} and ${i + 1}): rename or remove one of them.`,
      );
    }
    seen.set(h, i);
  });
  if (names.length === 1 && /[;,\t]/.test(names[0]!)) {
    // One column whose name still holds a delimiter: it was quoted as a whole, or the delimiter is wrong.
    throw new AppError(
      'validation_failed',
      `${name}:1: the header row is one column "${names[0]!.slice(0, 80)}" with delimiter ${delimiterName(delimiter)}: check the delimiter in the link settings.`,
    );
  }
  return names;
}

function csvError(err: unknown, name: string, recordLine: number, delimiter: Delimiter): Error {
  if (err instanceof AppError) return err;
  const e = err as CsvError & { lines?: number };
  if ((err as Error)?.name === 'AbortError') return err as Error;
  switch (e?.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return new AppError(
        'validation_failed',
        `${name}:${recordLine}: a double quote opened in the record starting on this line is never closed (unbalanced quotes): close the quote, or double a quote inside a quoted value ("").`,
      );
    case 'CSV_MAX_RECORD_SIZE':
      return new AppError(
        'validation_failed',
        `${name}:${recordLine}: the record starting on this line is longer than ${MAX_RECORD_CHARS} characters: probably a double quote that is never closed (unbalanced quotes). Close the quote, or double a quote inside a quoted value ("").`,
      );
    case 'CSV_INVALID_CLOSING_QUOTE':
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
      return new AppError(
        'validation_failed',
        `${name}:${e.lines ?? recordLine}: a quoted value is followed by other characters before the next ${delimiterName(delimiter)} (unbalanced quotes): put the whole value in double quotes and double every quote inside it ("").`,
      );
    default:
      if (e?.code?.startsWith('CSV_')) {
        return new AppError(
          'validation_failed',
          `${name}:${e.lines ?? recordLine}: the file is not valid CSV (${e.code}): check quotes and delimiters on this line.`,
        );
      }
      if ((err as NodeJS.ErrnoException)?.code) return fileError(err, name, 'delivery file');
      return err as Error;
  }
}
