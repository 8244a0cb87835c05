/**
 * Text the store can hold: PostgreSQL text has no NUL character (U+0000). A delivered value with one
 * (a binary file, or a UTF-16 file read as another encoding) is refused with `nulReason`.
 */
export function isStorableText(value: string): boolean {
  return !value.includes('\u0000');
}

export const nulReason = 'contains a NUL character (byte 0), which cannot be stored';
