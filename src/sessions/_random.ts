import { randomFillSync } from "node:crypto";

// One randomFillSync call per 8 KiB instead of one per id or IV: the call itself, not the bytes,
// is what costs on the hot path. The bytes are copied out, so nothing handed out is ever reused.
const POOL_SIZE = 8192;
const pool = Buffer.allocUnsafe(POOL_SIZE);
let offset = POOL_SIZE;

/** `size` cryptographically random bytes (size <= 256). */
export function randomBytesPooled(size: number): Buffer {
  if (offset + size > POOL_SIZE) {
    randomFillSync(pool);
    offset = 0;
  }
  const out = Buffer.from(pool.subarray(offset, offset + size));
  pool.fill(0, offset, offset + size);
  offset += size;
  return out;
}
