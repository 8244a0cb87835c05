import { createReadStream } from 'node:fs';
import path from 'node:path';
import { TextDecoder } from 'node:util';
import iconv from 'iconv-lite';
import { AppError } from '../../src/errors.js';
import type { SourceRecord } from '../../src/sync/types.js';
import { todayIn } from '../../src/domain/dates.js';
import { fileError } from '../file-source.js';
import { withAddress } from './address.js';
import { SiviTokenizer, XmlError } from './tokenizer.js';
import type { SiviMessage, SiviReadOptions } from './message.js';

export { siviNamespaces, type SiviMessage, type SiviReadOptions } from './message.js';

/**
 * The only file of the sivi connector that touches the file system: the document is read in chunks,
 * decoded per its XML declaration and fed to the tokenizer, so memory stays flat whatever the number
 * of employees.
 */

const CHUNK = 256 * 1024;

/** Decodes bytes per the XML declaration (UTF-8 by default, ISO-8859-1 / Windows-1252, UTF-16 with BOM). */
class XmlDecoder {
  private mode: 'utf-8' | 'win1252' | 'utf-16le' | 'utf-16be' | undefined;
  private utf8 = new TextDecoder('utf-8', { fatal: true });
  private utf16: TextDecoder | undefined;
  private lines = 1;

  constructor(private readonly name: string) {}

  decode(chunk: Buffer, end: boolean): string {
    let bytes = chunk;
    if (!this.mode) {
      if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
        this.mode = 'utf-8';
        bytes = bytes.subarray(3);
      } else if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
        this.mode = bytes[0] === 0xff ? 'utf-16le' : 'utf-16be';
        this.utf16 = new TextDecoder(this.mode);
        bytes = bytes.subarray(2);
      } else {
        const head = bytes.subarray(0, 200).toString('latin1');
        const declared = /^<\?xml[^>]*\sencoding\s*=\s*["']([^"']+)["']/.exec(head)?.[1]?.toLowerCase();
        if (!declared || declared === 'utf-8' || declared === 'utf8') this.mode = 'utf-8';
        else if (
          ['iso-8859-1', 'latin1', 'latin-1', 'windows-1252', 'cp1252', 'iso-8859-15'].includes(declared)
        ) {
          this.mode = 'win1252';
        } else {
          throw new XmlError(
            `${this.name}:1: the XML declaration says encoding "${declared}", which is not supported: send the file as UTF-8.`,
          );
        }
      }
    }
    if (this.mode === 'win1252') return this.count(iconv.decode(bytes, 'win1252'));
    if (this.mode === 'utf-16le' || this.mode === 'utf-16be')
      return this.count(this.utf16!.decode(bytes, { stream: !end }));
    try {
      return this.count(this.utf8.decode(bytes, { stream: !end }));
    } catch {
      const partial = new TextDecoder('utf-8').decode(bytes);
      const at = Math.max(partial.indexOf('\ufffd'), 0);
      const line = this.lines + (partial.slice(0, at).match(/\n/g)?.length ?? 0);
      throw new XmlError(
        `${this.name}:${line}: the file is not valid UTF-8 here although it declares UTF-8: ask the sender to save it as UTF-8, or to declare the encoding it really uses.`,
      );
    }
  }

  private count(text: string): string {
    let i = text.indexOf('\n');
    while (i !== -1) {
      this.lines++;
      i = text.indexOf('\n', i + 1);
    }
    return text;
  }
}

/** Streams the `Wrknmr` records of a SIVI delivery file. */
export async function* readSiviFile(file: string, options: SiviReadOptions): AsyncGenerator<SourceRecord> {
  const name = path.basename(file);
  const today = todayIn();
  const tokenizer = new SiviTokenizer(name, options.message);
  const decoder = new XmlDecoder(name);
  const stream = createReadStream(file, { highWaterMark: CHUNK, signal: options.signal });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      for (const r of tokenizer.push(decoder.decode(chunk, false))) yield withAddress(r, today);
    }
    tokenizer.push(decoder.decode(Buffer.alloc(0), true));
    for (const r of tokenizer.end()) yield withAddress(r, today);
  } catch (err) {
    if (err instanceof AppError || (err as Error)?.name === 'AbortError') throw err;
    throw fileError(err, file, 'delivery file');
  } finally {
    stream.destroy();
  }
}

/** Reads only as far as the root element and says which SIVI message the file is. */
export async function peekSiviMessage(file: string, wanted: SiviMessage | 'auto'): Promise<SiviMessage> {
  const name = path.basename(file);
  const tokenizer = new SiviTokenizer(name, wanted);
  const decoder = new XmlDecoder(name);
  const stream = createReadStream(file, { highWaterMark: 64 * 1024 });
  let read = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      tokenizer.push(decoder.decode(chunk, false));
      if (tokenizer.message) return tokenizer.message;
      read += chunk.length;
      if (read > 1024 * 1024) break;
    }
    tokenizer.end();
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw fileError(err, file, 'delivery file');
  } finally {
    stream.destroy();
  }
  throw new XmlError(`${name}: no SIVI root element found in the first megabyte of the file.`);
}
