import { Transform, type TransformCallback } from 'node:stream';
import { AppError } from '../../src/errors.js';

/**
 * Quoted values in the text stream, before csv-parse sees it. csv-parse needs `relax_quotes` to
 * keep quotes inside an unquoted value as text (`Jan "de Man"`, `12" monitor`), but that option
 * also keeps a quoted value followed by other characters, quotes and all (`"Jansen "Jr.""`). Its
 * `rtrim`/`ltrim` would refuse that, but also trim every unquoted value. So this check does it:
 * a quoted value must end at the delimiter or the line end, and spaces around a quoted value are
 * dropped (the `"a", "b"` export style), while unquoted values pass through untouched.
 */

export type Delimiter = ';' | ',' | '\t';

export function delimiterName(d: string): string {
  return d === '\t' ? 'tab' : `"${d}"`;
}

const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;
const SPACE = 0x20;
const TAB = 0x09;

/**
 * Where the scan is: at the start of a field (maybe after spaces), inside an unquoted or quoted
 * value, just after a quote inside a quoted value (closing, or the first of a doubled ""), or in
 * spaces after a closing quote.
 */
type State = 'fieldStart' | 'unquoted' | 'quoted' | 'quoteSeen' | 'afterQuote';

export class QuoteCheck extends Transform {
  private state: State = 'fieldStart';
  /** Spaces at the end of a chunk at a field start: dropped if a quote follows, else passed on. */
  private pending = '';
  private line = 1;
  private column = 1;
  private lastWasCR = false;
  private openLine = 1;
  private readonly delimiter: number;

  constructor(
    private readonly name: string,
    private readonly delimiterText: Delimiter,
  ) {
    super({ decodeStrings: false, encoding: 'utf8' });
    this.delimiter = delimiterText.charCodeAt(0);
  }

  override _transform(chunk: string | Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    try {
      cb(null, this.scan(this.pending + chunk.toString()));
    } catch (err) {
      cb(err as Error);
    }
  }

  override _flush(cb: TransformCallback): void {
    // An open quote at the end is left to csv-parse, whose error names the record's first line.
    const rest = this.pending;
    this.pending = '';
    cb(null, rest);
  }

  /** Returns the text to pass on; spaces at a field start at the end are kept in `pending`. */
  private scan(text: string): string {
    let out = '';
    let from = 0; // text before this index is in `out` or dropped
    let spacesAt = -1; // start of the spaces at the current field start, if any
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === CR || c === LF) this.countLine(c);
      else this.lastWasCR = false;
      switch (this.state) {
        case 'fieldStart':
          if (this.isSpace(c)) {
            if (spacesAt < 0) spacesAt = i;
            continue;
          }
          if (c === QUOTE) {
            if (spacesAt >= 0) {
              out += text.slice(from, spacesAt);
              from = i;
            }
            this.state = 'quoted';
            this.openLine = this.line;
          } else this.endOfValue(c);
          spacesAt = -1;
          break;
        case 'unquoted':
          this.endOfValue(c);
          break;
        case 'quoted':
          if (c === QUOTE) this.state = 'quoteSeen';
          break;
        case 'quoteSeen':
        case 'afterQuote':
          if (c === QUOTE && this.state === 'quoteSeen') {
            this.state = 'quoted'; // a doubled quote inside the value
          } else if (this.isSpace(c)) {
            if (this.state === 'quoteSeen') out += text.slice(from, i);
            this.state = 'afterQuote';
            from = i + 1;
          } else if (!this.endOfValue(c)) {
            throw this.textAfterQuote();
          }
          break;
      }
    }
    if (this.state === 'fieldStart' && spacesAt >= 0) {
      this.pending = text.slice(spacesAt);
      return out + text.slice(from, spacesAt);
    }
    this.pending = '';
    return out + text.slice(from);
  }

  /** Spaces around a quoted value; a tab only when it is not the delimiter. */
  private isSpace(c: number): boolean {
    return c === SPACE || (c === TAB && this.delimiter !== TAB);
  }

  /** Moves to the next field at a delimiter or line end; otherwise the value goes on unquoted. */
  private endOfValue(c: number): boolean {
    if (c === this.delimiter) {
      this.column++;
      this.state = 'fieldStart';
      return true;
    }
    if (c === CR || c === LF) {
      this.column = 1;
      this.state = 'fieldStart';
      return true;
    }
    this.state = 'unquoted';
    return false;
  }

  /** Counts CR LF, CR and LF as one line break each, as the record positions do. */
  private countLine(c: number): void {
    if (c === LF && this.lastWasCR) {
      this.lastWasCR = false;
      return;
    }
    this.line++;
    this.lastWasCR = c === CR;
  }

  /**
   * A closing quote on another line than its opening one is usually a quote that was never
   * closed, swallowing line breaks up to the next quote: then the opening line is what to fix.
   */
  private textAfterQuote(): AppError {
    const d = delimiterName(this.delimiterText);
    if (this.openLine !== this.line) {
      return new AppError(
        'validation_failed',
        `${this.name}:${this.openLine}: a double quote opened in column ${this.column} on this line is closed on line ${this.line}, where other characters follow it before the next ${d}: probably a quote that is never closed (unbalanced quotes). Close the quote, or double a quote inside a quoted value ("").`,
      );
    }
    return new AppError(
      'validation_failed',
      `${this.name}:${this.line}: a quoted value in column ${this.column} is followed by other characters before the next ${d} or the line end (unbalanced quotes): put the whole value in double quotes and double every quote inside it (""), or remove what follows the closing quote.`,
    );
  }
}
