import { TextDecoder } from 'node:util';

/**
 * Strict UTF-8 for the file connectors, chunk by chunk. An invalid byte is reported with the text
 * before it, so the caller can name its line, also when the chunk before ended inside a character.
 */

/** Length of the valid UTF-8 character starting at `i` (1 for ASCII); 0 when invalid or cut off. */
export function utf8CharAt(bytes: Uint8Array, i: number): number {
  const b = bytes[i]!;
  if (b < 0x80) return 1;
  let n: number;
  let min = 0x80;
  let max = 0xbf;
  if (b >= 0xc2 && b <= 0xdf) n = 2;
  else if (b >= 0xe0 && b <= 0xef) {
    n = 3;
    if (b === 0xe0) min = 0xa0; // overlong
    if (b === 0xed) max = 0x9f; // surrogates
  } else if (b >= 0xf0 && b <= 0xf4) {
    n = 4;
    if (b === 0xf0) min = 0x90; // overlong
    if (b === 0xf4) max = 0x8f; // beyond U+10FFFF
  } else return 0;
  if (i + n > bytes.length) return 0;
  const second = bytes[i + 1]!;
  if (second < min || second > max) return 0;
  for (let k = 2; k < n; k++) if ((bytes[i + k]! & 0xc0) !== 0x80) return 0;
  return n;
}

/** Offset of the first byte that does not start a valid UTF-8 character; -1 when all are valid. */
function firstInvalid(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length;) {
    const n = utf8CharAt(bytes, i);
    if (n === 0) return i;
    i += n;
  }
  return -1;
}

/** The bytes at the end of `bytes` that begin a character the next chunk completes. */
function openCharacter(bytes: Uint8Array): Uint8Array {
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const b = bytes[bytes.length - back]!;
    if ((b & 0xc0) === 0x80) continue; // a continuation byte: its lead is further back
    const needs = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return needs > back ? bytes.subarray(bytes.length - back) : new Uint8Array(0);
  }
  return new Uint8Array(0);
}

/** Thrown by `StrictUtf8.decode`: `before` is the text of the chunk before the invalid byte. */
export class InvalidUtf8 extends Error {
  constructor(readonly before: string) {
    super('invalid UTF-8');
  }
}

export class StrictUtf8 {
  private decoder = new TextDecoder('utf-8', { fatal: true });
  /** The start of a character the last chunk ended in; the decoder holds it until the next chunk. */
  private open: Uint8Array = new Uint8Array(0);

  decode(bytes: Uint8Array, end: boolean): string {
    try {
      const text = this.decoder.decode(bytes, { stream: !end });
      // A character is at most four bytes: the last three of the chunk hold any open one.
      const last = bytes.length >= 3 ? bytes.subarray(bytes.length - 3) : Buffer.concat([this.open, bytes]);
      this.open = end ? new Uint8Array(0) : openCharacter(last);
      return text;
    } catch {
      const all = this.open.length ? Buffer.concat([this.open, bytes]) : bytes;
      const bad = firstInvalid(all);
      throw new InvalidUtf8(new TextDecoder('utf-8').decode(all.subarray(0, Math.max(bad, 0))));
    }
  }
}
