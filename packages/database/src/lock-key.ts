import { createHash } from 'node:crypto';

/**
 * Derives the 64-bit key that PostgreSQL's advisory lock functions take from a lock name: the first
 * eight bytes of the SHA-256 of the UTF-8 name, read as a signed big-endian integer. The key is
 * stable across processes, releases and machines, so every replica locks the same key for a name.
 * Returned as a decimal string because JavaScript numbers cannot hold 64 bits.
 */
export function advisoryLockKey(lockName: string): string {
  const digest = createHash('sha256').update(lockName, 'utf8').digest();
  return digest.readBigInt64BE(0).toString();
}
