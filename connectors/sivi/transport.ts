import { createReadStream } from 'node:fs';
import path from 'node:path';
import { AppError } from '../../src/errors.js';
import type { SourceRecord } from '../../src/sync/types.js';
import { todayIn } from '../../src/domain/dates.js';
import { fileError } from '../file-source.js';
import { withAddress } from './address.js';
import { XmlDecoder } from './encoding.js';
import { SiviTokenizer, XmlError } from './tokenizer.js';
import type { SiviMessage, SiviReadOptions } from './message.js';

export { siviNamespaces, type SiviMessage, type SiviReadOptions } from './message.js';

/**
 * The only file of the sivi connector that touches the file system: the document is read in chunks,
 * decoded per its byte order mark or XML declaration (`encoding.ts`) and fed to the tokenizer, so
 * memory stays flat whatever the number of employees.
 */

const CHUNK = 256 * 1024;

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
