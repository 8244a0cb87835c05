import iconv from 'iconv-lite';
import { detectBom } from '../bom.js';
import { InvalidUtf8, StrictUtf8 } from '../utf8.js';
import { linesBefore } from './references.js';
import { XmlError } from './tokenizer.js';

/**
 * Turns the bytes of a delivery into text, chunk by chunk, in the encoding the document is in: a
 * byte order mark first, then the XML declaration (UTF-8 when it names none). Every encoding
 * iconv-lite knows is decoded as itself. Either way a file that is not what it says is refused with
 * its line instead of being read with wrong characters: UTF-8 is decoded strictly, and from other
 * encodings a byte that is no character in them (U+FFFD) is refused.
 */

/** ISO-8859-1 is read as Windows-1252: they differ only where ISO-8859-1 has control characters. */
const latin1 = /^(iso[-_]?8859-1|latin-?1|l1|cp819|ibm819)$/;
/** Unicode forms that are not ASCII-compatible: a declaration readable as ASCII cannot be in them. */
const wideUnicode = /^(utf-?(16|32)(le|be)?|ucs-?[24])$/;
const utf8Name = /^utf-?8$/;

function declaredEncoding(head: Buffer): string | undefined {
  const text = head.subarray(0, 200).toString('latin1');
  return /^<\?xml[^>]*\sencoding\s*=\s*["']([^"']+)["']/.exec(text)?.[1]?.toLowerCase();
}

export class XmlDecoder {
  private started = false;
  private utf8 = new StrictUtf8();
  /** Set for every encoding but UTF-8: UTF-16 by BOM, or the declared encoding through iconv-lite. */
  private other: { write(bytes: Buffer): string; end(): string | undefined } | undefined;
  private otherName = '';
  /** What to tell the operator when the bytes are not valid UTF-8, after `file:line: `. */
  private notUtf8 =
    'the file is not valid UTF-8 here although it declares UTF-8: ask the sender to save it as UTF-8, or to declare the encoding it really uses.';
  private lines = 1;

  constructor(private readonly name: string) {}

  decode(chunk: Buffer, end: boolean): string {
    let bytes = chunk;
    if (!this.started) {
      this.started = true;
      bytes = this.start(bytes);
      if (this.other) return this.firstOther(bytes, declaredEncoding(chunk) ?? '', end);
    }
    if (this.other) return this.counted(this.other.write(bytes) + (end ? (this.other.end() ?? '') : ''));
    try {
      const text = this.utf8.decode(bytes, end);
      this.lines += linesBefore(text, text.length);
      return text;
    } catch (err) {
      if (!(err instanceof InvalidUtf8)) throw err;
      const line = this.lines + linesBefore(err.before, err.before.length);
      throw new XmlError(`${this.name}:${line}: ${this.notUtf8}`);
    }
  }

  /**
   * Text from a decoder other than UTF-8, whose lines are counted too. Such a decoder never fails:
   * a byte that is no character in its encoding comes out as U+FFFD, which is refused here with its
   * line rather than stored as part of a name.
   */
  private counted(text: string): string {
    const at = text.indexOf('\ufffd');
    if (at !== -1) {
      throw new XmlError(
        `${this.name}:${this.lines + linesBefore(text, at)}: the file has bytes here that are no character in its encoding (${this.otherName}), or the replacement character U+FFFD, which stands for text already lost: ask the sender to save the file as UTF-8 with encoding="UTF-8".`,
      );
    }
    this.lines += linesBefore(text, text.length);
    return text;
  }

  /** Chooses the decoder from the first chunk; returns the bytes after any byte order mark. */
  private start(bytes: Buffer): Buffer {
    const bom = detectBom(bytes);
    if (bom === 'utf-8') {
      const declared = declaredEncoding(bytes.subarray(3));
      if (declared && !utf8Name.test(declared)) {
        this.notUtf8 = `the file starts with a UTF-8 byte order mark, but its XML declaration says encoding "${declared}", and the bytes here are not valid UTF-8: the byte order mark and the declaration disagree. Ask the sender to save the file as UTF-8 (with encoding="UTF-8"), or in "${declared}" without the byte order mark.`;
      }
      return bytes.subarray(3);
    }
    if (bom) {
      this.useOther(bom);
      return bytes.subarray(2);
    }
    // No BOM but "<?" as UTF-16 (XML 1.0 appendix F): NUL bytes in the first characters.
    if (bytes[0] === 0x3c && bytes[1] === 0 && bytes[2] === 0x3f && bytes[3] === 0) {
      this.useOther('utf-16le');
      return bytes;
    }
    if (bytes[0] === 0 && bytes[1] === 0x3c && bytes[2] === 0 && bytes[3] === 0x3f) {
      this.useOther('utf-16be');
      return bytes;
    }
    this.choose(declaredEncoding(bytes));
    return bytes;
  }

  /** The decoder for a file without BOM, per its declaration. */
  private choose(declared: string | undefined): void {
    if (!declared || utf8Name.test(declared)) return;
    if (wideUnicode.test(declared)) {
      // E.g. .NET's StringWriter: the declaration says utf-16, the bytes were written as UTF-8.
      this.notUtf8 = `the file declares encoding "${declared}", but has no byte order mark and no NUL bytes, so it is not in that encoding; it was read as UTF-8, and the bytes here are not valid UTF-8 either: ask the sender to save it as UTF-8 with encoding="UTF-8".`;
      return;
    }
    if (!iconv.encodingExists(declared)) {
      throw new XmlError(
        `${this.name}:1: the XML declaration says encoding "${declared}", which is not supported: send the file as UTF-8.`,
      );
    }
    this.useOther(latin1.test(declared) ? 'windows-1252' : declared);
  }

  private useOther(encoding: string): void {
    this.other = iconv.getDecoder(encoding);
    this.otherName = encoding;
  }

  /**
   * The first text from a declared (or BOM-less UTF-16) encoding. The declaration was found as ASCII
   * bytes, so text that no longer starts with "<?" means the file is not in that encoding at all.
   */
  private firstOther(bytes: Buffer, declared: string, end: boolean): string {
    const text = this.other!.write(bytes) + (end ? (this.other!.end() ?? '') : '');
    if (!declared || text.startsWith('<?')) return this.counted(text);
    throw new XmlError(
      `${this.name}:1: the XML declaration says encoding "${declared}", but the declaration itself is not written in that encoding: ask the sender to declare the encoding the file really uses, preferably UTF-8.`,
    );
  }
}
