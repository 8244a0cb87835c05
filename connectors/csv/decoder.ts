import { TextDecoder } from 'node:util';
import { Transform, type TransformCallback } from 'node:stream';
import iconv from 'iconv-lite';
import { AppError } from '../../src/errors.js';
import { detectBom } from '../bom.js';
import { InvalidUtf8, StrictUtf8, utf8CharAt } from '../utf8.js';

/** Bytes to text for the csv connector: BOMs, strict UTF-8, Windows-1252, and auto-detection. */

export type Encoding = 'utf-8' | 'windows-1252';

/**
 * Bytes to text: strips a BOM, decodes UTF-8 strictly (an invalid byte is an error with its line),
 * Windows-1252 through iconv-lite, or decides between the two at the first non-ASCII byte.
 */
export class CsvDecoder extends Transform {
  private mode: 'undecided' | 'utf-8' | 'windows-1252' | 'utf-16le' | 'utf-16be';
  private utf8 = new StrictUtf8();
  private utf16: TextDecoder | undefined;
  private started = false;
  private carry: Buffer | undefined;
  private lines = 1;
  /** The text counted so far ended with a CR (its LF may start the next chunk). */
  private afterCR = false;
  /** Whether the file started with a UTF-8 BOM: the not-UTF-8 message then explains the BOM. */
  private utf8Bom = false;
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
        bytes = this.skipBom(bytes);
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

  /**
   * Drops a BOM at the start. A UTF-8 BOM decides the encoding only under `auto`: programs put it
   * before Windows-1252 text too, and a configured encoding is the operator's answer to that. A
   * UTF-16 BOM always wins, as neither configurable encoding can read UTF-16.
   */
  private skipBom(bytes: Buffer): Buffer {
    const bom = detectBom(bytes);
    if (bom === 'utf-8') {
      this.utf8Bom = true;
      if (this.mode === 'undecided') this.setMode('utf-8');
      return bytes.subarray(3);
    }
    if (bom === 'utf-16le' || bom === 'utf-16be') {
      this.setMode(bom);
      this.utf16 = new TextDecoder(bom);
      return bytes.subarray(2);
    }
    return bytes;
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
      // As documented: the first non-ASCII character decides. A later byte that is not UTF-8 is
      // then an error with its line, not a reason to read every name before it as Windows-1252.
      this.setMode(utf8CharAt(bytes, first) > 0 ? 'utf-8' : 'windows-1252');
    }
    // Lines are counted for the decodings that report one: UTF-8 and Windows-1252.
    if (this.mode === 'windows-1252') return this.windows1252(iconv.decode(bytes, 'win1252'));
    if (this.mode === 'utf-16le' || this.mode === 'utf-16be')
      return this.utf16!.decode(bytes, { stream: !end });
    try {
      return this.count(this.utf8.decode(bytes, end));
    } catch (err) {
      if (!(err instanceof InvalidUtf8)) throw err;
      const line = this.lines + countLineEnds(err.before, this.afterCR).n;
      throw new AppError('validation_failed', this.notUtf8Message(line));
    }
  }

  /**
   * Windows-1252 has no character for five bytes; iconv-lite gives U+FFFD for them, which would be
   * stored as part of a name. Such a file is in another encoding.
   */
  private windows1252(text: string): string {
    const at = text.indexOf('\ufffd');
    if (at !== -1) {
      const line = this.lines + countLineEnds(text.slice(0, at), this.afterCR).n;
      throw new AppError(
        'validation_failed',
        `${this.name}:${line}: the file has a byte here that is no character in Windows-1252, so it is in another encoding: save it as "CSV UTF-8".`,
      );
    }
    return this.count(text);
  }

  /** A lying BOM needs its own explanation: "set the encoding" alone reads as already done. */
  private notUtf8Message(line: number): string {
    if (this.utf8Bom) {
      return `${this.name}:${line}: the file starts with a UTF-8 BOM (byte order mark) but is not valid UTF-8 here: it is probably Windows-1252 (ANSI) text behind a wrong BOM. Set \`encoding: windows-1252\` in the link settings to read it (the BOM is then ignored), or save the file as "CSV UTF-8".`;
    }
    return `${this.name}:${line}: the file is not valid UTF-8 here. It is probably saved as Windows-1252 (ANSI): set \`encoding: windows-1252\` in the link settings, or save the file as "CSV UTF-8".`;
  }

  private count(text: string): string {
    const ends = countLineEnds(text, this.afterCR);
    this.lines += ends.n;
    this.afterCR = ends.endsWithCR;
    return text;
  }
}

/**
 * Line ends in `text`: CR LF, LF or CR alone, as csv-parse reads them. `afterCR`: the text before
 * ended with a CR, so an LF first is the second half of that line end.
 */
function countLineEnds(text: string, afterCR: boolean): { n: number; endsWithCR: boolean } {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0d) n++;
    else if (c === 0x0a && !(i === 0 ? afterCR : text.charCodeAt(i - 1) === 0x0d)) n++;
  }
  return { n, endsWithCR: text.length > 0 ? text.charCodeAt(text.length - 1) === 0x0d : afterCR };
}
