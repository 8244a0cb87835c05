/** The byte order mark a delivery file starts with, if any: the same for every file connector. */
export type Bom = 'utf-8' | 'utf-16le' | 'utf-16be' | undefined;

export function detectBom(bytes: Buffer): Bom {
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return 'utf-8';
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  return undefined;
}
