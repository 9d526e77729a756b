import { randomBytes } from 'node:crypto';

// Monotonic within this process, like the ids Prisma generates (a counter, seeded at random every
// millisecond, follows the timestamp), so rows created in one millisecond still sort by creation.
let lastMs = -Infinity;
let seq = 0;

/** A UUIDv7 (time-ordered), like the ids Prisma generates for the other tables. */
export function uuidv7(): string {
  const b = randomBytes(16);
  let ms = Date.now();
  if (ms > lastMs) {
    seq = ((b[6]! << 23) | (b[7]! << 16) | (b[8]! << 8) | b[9]!) >>> 0;
    lastMs = ms;
  } else {
    seq = (seq + 1) >>> 0;
    if (seq === 0) lastMs++; // 2^32 ids in one millisecond: borrow the next one
    ms = lastMs;
  }
  b.writeUIntBE(ms, 0, 6);
  // 48 bits milliseconds, version 7, then the 32-bit counter around the variant bits, then random.
  b[6] = 0x70 | ((seq >>> 28) & 0x0f);
  b[7] = (seq >>> 20) & 0xff;
  b[8] = 0x80 | ((seq >>> 14) & 0x3f);
  b[9] = (seq >>> 6) & 0xff;
  b[10] = ((seq << 2) & 0xff) | (b[10]! & 0x03);
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
