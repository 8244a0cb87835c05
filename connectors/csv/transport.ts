import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { TextDecoder } from 'node:util';
import { parse, type CsvError } from 'csv-parse';
import { AppError } from '../../src/errors.js';
import type { SourceRecord } from '../../src/sync/types.js';
import { fileError } from '../file-source.js';
import { detectBom, type Bom } from '../bom.js';
import { CsvDecoder, type Encoding } from './decoder.js';
import { delimiterName, QuoteCheck, type Delimiter } from './quotes.js';

/** The only file of the csv connector that touches the file system. */

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

/** What the first line of the file says: its delimiter (detected or checked) and header names. */
export interface CsvHeaderInfo {
  delimiter: Delimiter;
  bom: Bom;
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
 * Streams the records of a CSV file as source records keyed by header name, with `name.csv:LINE`
 * (the line where the record starts) as position. Never holds more than one record and one chunk.
 */
export async function* readCsvFile(file: string, options: CsvReadOptions): AsyncGenerator<SourceRecord> {
  const name = path.basename(file);
  const sniffed = await sniffCsv(file, options.delimiter);
  const delimiter = sniffed.delimiter;
  const source = createReadStream(file, { highWaterMark: PEEK_BYTES, signal: options.signal });
  const decoder = new CsvDecoder(name, options.encoding);
  const quotes = new QuoteCheck(name, delimiter);
  const parser = parse({
    delimiter,
    // Keeps quotes inside an unquoted value as text; QuoteCheck refuses text after a closing quote,
    // which this option would let through too.
    relax_quotes: true,
    // Every line ending ends a record, as QuoteCheck and the line count assume; auto-detection
    // would take the first one only and keep `"a"` CR as a value with its quotes in an LF file.
    record_delimiter: ['\r\n', '\n', '\r'],
    relax_column_count: true,
    // Empty lines come through as [''] and are skipped below, which keeps the line count exact
    // without csv-parse's per-record info objects.
    max_record_size: MAX_RECORD_CHARS,
  });
  source.on('error', (err) => decoder.destroy(err));
  decoder.on('error', (err) => quotes.destroy(err));
  quotes.on('error', (err) => parser.destroy(err));
  source.pipe(decoder).pipe(quotes).pipe(parser);

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
          shifted: true,
          cells: record,
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
    throw csvError(err, name, prevEnd + 1);
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

/** A column as a spreadsheet names it: 1 is A, 27 is AA. */
function columnLetter(column: number): string {
  let letters = '';
  for (let n = column; n > 0; n = Math.floor((n - 1) / 26))
    letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  return letters;
}

/**
 * The header's column names. Its problems name columns by position, never by their text: a file
 * without a header row has a record there, and its values (an address, a phone number) would show.
 */
function checkHeader(name: string, record: string[], delimiter: Delimiter): string[] {
  const names = record.map((h) => h.trim());
  const seen = new Map<string, number>();
  const column = (i: number) => `column ${i + 1} (${columnLetter(i + 1)})`;
  names.forEach((h, i) => {
    if (h === '') {
      throw new AppError(
        'validation_failed',
        `${name}:1: header ${column(i)} has no name: every column needs a name in the header row; remove the empty column or name it. Is the first line a header row?`,
      );
    }
    const before = seen.get(h);
    if (before !== undefined) {
      throw new AppError(
        'validation_failed',
        `${name}:1: the header has the same name in ${column(before)} and ${column(i)}: rename or remove one of them. Is the first line a header row?`,
      );
    }
    seen.set(h, i);
  });
  const held = names.length === 1 ? delimiterNames.filter(([d]) => names[0]!.includes(d)) : [];
  if (held.length > 0) {
    // One column whose name still holds a delimiter: it was quoted as a whole, or the delimiter is wrong.
    throw new AppError(
      'validation_failed',
      `${name}:1: the header row is one column of ${names[0]!.length} characters with ${held.map(([, n]) => n).join(' and ')} in it, where the delimiter is ${delimiterName(delimiter)}: check the delimiter in the link settings, or whether the whole line is in double quotes.`,
    );
  }
  return names;
}

const delimiterNames: Array<[string, string]> = [
  [';', 'semicolons'],
  [',', 'commas'],
  ['\t', 'tabs'],
];

function csvError(err: unknown, name: string, recordLine: number): Error {
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
