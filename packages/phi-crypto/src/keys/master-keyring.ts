import { PhiCryptoError } from '../errors.js';
import { MasterKey } from './master-key.js';

export interface MasterKeyringHex {
  /** The key that wraps new and rewrapped tenant keys, as 64 hex characters. */
  current: string;
  /** Earlier master keys, still used to unwrap tenant keys until a rewrap has moved them. */
  previous?: readonly string[];
}

/**
 * The current master key plus earlier ones, looked up by key id. Rotating the master key means
 * configuring a new `current`, moving the old one to `previous`, and running
 * `KeyManager.rewrapTenantKeys`; the earlier key can be removed once that reports no keys left.
 */
export class MasterKeyring {
  readonly current: MasterKey;
  readonly #byId: Map<string, MasterKey>;

  constructor(current: MasterKey, previous: readonly MasterKey[] = []) {
    this.current = current;
    this.#byId = new Map([[current.id, current]]);
    for (const key of previous) {
      if (!this.#byId.has(key.id)) {
        this.#byId.set(key.id, key);
      }
    }
  }

  static fromHex(keys: MasterKeyringHex): MasterKeyring {
    const current = MasterKey.fromHex(keys.current, 'current master key');
    const previous = (keys.previous ?? []).map((hex, index) =>
      MasterKey.fromHex(hex, `previous master key #${index + 1}`),
    );
    return new MasterKeyring(current, previous);
  }

  /** Ids of all keys, current first. */
  get ids(): string[] {
    return [...this.#byId.keys()];
  }

  /** Keys in lookup order: current first, then earlier keys as configured. */
  get keys(): MasterKey[] {
    return [...this.#byId.values()];
  }

  has(id: string): boolean {
    return this.#byId.has(id);
  }

  /** Returns the key with `id` or throws `master_key_unknown`, naming the ids that are configured. */
  get(id: string): MasterKey {
    const key = this.#byId.get(id);
    if (key === undefined) {
      throw new PhiCryptoError(
        'master_key_unknown',
        `master key ${id} is not configured (configured: ${this.ids.join(', ')}); ` +
          'set ENCRYPTION_MASTER_KEY to the right key, or add the earlier key to the previous master keys',
        { details: { masterKeyId: id } },
      );
    }
    return key;
  }

  /** Zeroes every key in the ring. */
  destroy(): void {
    for (const key of this.#byId.values()) {
      key.destroy();
    }
  }
}
