import { randomFillSync, timingSafeEqual } from 'node:crypto';

/** Overwrites key material in place so that it does not linger in memory after use. */
export function zeroize(...buffers: Uint8Array[]): void {
  for (const buffer of buffers) {
    buffer.fill(0);
  }
}

/** Compares two byte strings in constant time for equal lengths; different lengths are unequal. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

const NONCE_BYTES = 12;
const NONCES_PER_REFILL = 512;
const noncePool = Buffer.alloc(NONCE_BYTES * NONCES_PER_REFILL);
let nextNonce = NONCES_PER_REFILL;

/**
 * Copies a fresh random 96-bit nonce into `target` at `offset`. The nonces come from one CSPRNG
 * fill of 512 nonces, because a `randomBytes(12)` call per encryption costs about as much as
 * encrypting a small field. Each pool slot is handed out once and then overwritten on refill.
 */
export function writeRandomNonce(target: Buffer, offset: number): void {
  if (nextNonce === NONCES_PER_REFILL) {
    randomFillSync(noncePool);
    nextNonce = 0;
  }
  const start = nextNonce * NONCE_BYTES;
  noncePool.copy(target, offset, start, start + NONCE_BYTES);
  noncePool.fill(0, start, start + NONCE_BYTES);
  nextNonce += 1;
}
