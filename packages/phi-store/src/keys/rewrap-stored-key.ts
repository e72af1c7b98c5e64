/** Result of rewrapping one stored key. */
export type RewrapOutcome =
  | { outcome: 'rewrapped' }
  /** Another process rewrapped the row between reading and writing. */
  | { outcome: 'skipped' }
  | { outcome: 'failed'; message: string };

/**
 * Unwraps one stored key, wraps it under the current master key and stores it with `store`, which
 * returns how many rows it updated (0 when another process changed the row first). The plaintext key
 * is zeroed afterwards. A key that cannot be unwrapped is reported, not thrown, so a rotation goes on
 * with the other rows.
 */
export async function rewrapStoredKey(steps: {
  unwrap: () => Buffer;
  wrap: (key: Buffer) => { wrappedKey: string; masterKeyId: string };
  store: (next: { wrappedKey: string; masterKeyId: string }) => Promise<number>;
}): Promise<RewrapOutcome> {
  let key: Buffer;
  try {
    key = steps.unwrap();
  } catch (error) {
    return { outcome: 'failed', message: error instanceof Error ? error.message : String(error) };
  }
  try {
    const updated = await steps.store(steps.wrap(key));
    return updated === 1 ? { outcome: 'rewrapped' } : { outcome: 'skipped' };
  } finally {
    key.fill(0);
  }
}
