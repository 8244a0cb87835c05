import { randomFillSync } from 'node:crypto';

/**
 * Random bytes cut from a buffer that is refilled from the system's CSPRNG 8 kB at a time, as Node
 * does for `randomUUID`: one system call per IV or id cost up to 25 µs each while a sync sealed
 * and staged its records. Every call answers bytes of its own (a copy), never handed out twice.
 */
const pool = Buffer.alloc(8192);
let offset = pool.length;

export function pooledRandomBytes(size: number): Buffer {
  if (size > pool.length) return randomFillSync(Buffer.alloc(size));
  if (offset + size > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const bytes = Buffer.from(pool.subarray(offset, offset + size));
  offset += size;
  return bytes;
}
