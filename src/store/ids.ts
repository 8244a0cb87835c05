import { pooledRandomBytes } from '../random.js';

/**
 * Ids of rows written in bulk are time-ordered UUIDs (version 7: 48 bits of milliseconds, then 74
 * random bits). A load of a million rows then appends to the end of each id index instead of
 * touching a random page of it per row, which keeps large first loads from thrashing the buffer
 * cache. An id reveals when its row was created, nothing else.
 */
export function timeOrderedId(now = Date.now()): string {
  const b = pooledRandomBytes(16);
  b.writeUIntBE(now, 0, 6);
  b[6] = 0x70 | (b[6]! & 0x0f);
  b[8] = 0x80 | (b[8]! & 0x3f);
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** A UUID as the store writes it (lower-case hex in five groups), the shape of every id. */
export function isUuid(text: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(text);
}
