import { PhiCryptoError } from '../errors.js';
import { zeroize } from '../internal/bytes.js';
import { DataKey, IndexKey } from './key-material.js';
import type { KeyPurpose } from './key-wrap.js';
import { unwrapKey } from './key-wrap.js';
import type { MasterKeyring } from './master-keyring.js';
import type { KeyState, TenantKeyRecord } from './repository.js';

/** A stored key version without its wrapped bytes: what status reports and audit records show. */
export type TenantKeyInfo = Omit<TenantKeyRecord, 'wrappedKey'>;

export function toKeyInfo(record: TenantKeyRecord): TenantKeyInfo {
  const { wrappedKey: _wrappedKey, ...info } = record;
  return info;
}

interface VersionSlot<K> {
  state: KeyState;
  key: K | undefined;
}

/**
 * The unwrapped keys of one tenant as loaded at one moment. Only active versions are unwrapped;
 * retired and destroyed versions are kept as states so decryption can report why it was rejected.
 */
export class TenantKeyring {
  readonly tenantId: string;
  readonly loadedAt: number;
  readonly #data = new Map<number, VersionSlot<DataKey>>();
  readonly #index = new Map<number, VersionSlot<IndexKey>>();
  /** Encryptions already reserved in the repository and not yet used, per data key version. */
  readonly #reservedUses = new Map<number, number>();
  #destroyed = false;
  #newestData = 0;
  #newestIndex = 0;

  private constructor(tenantId: string, loadedAt: number) {
    this.tenantId = tenantId;
    this.loadedAt = loadedAt;
  }

  /**
   * Unwraps the active versions in `records` with the matching master keys. Throws
   * `master_key_unknown` or `wrapped_key_invalid` naming the version, so a wrong master key is
   * reported before any field is decrypted.
   */
  static unwrap(
    masterKeys: MasterKeyring,
    tenantId: string,
    records: readonly TenantKeyRecord[],
    loadedAt: number,
  ): TenantKeyring {
    const ring = new TenantKeyring(tenantId, loadedAt);
    try {
      for (const record of records) {
        ring.#add(masterKeys, record);
      }
    } catch (error) {
      ring.destroy();
      throw error;
    }
    return ring;
  }

  #add(masterKeys: MasterKeyring, record: TenantKeyRecord): void {
    if (record.tenantId !== this.tenantId) {
      throw new PhiCryptoError(
        'key_repository_failed',
        `the key repository returned a key of tenant ${record.tenantId} when loading tenant ${this.tenantId}`,
        { details: { tenantId: this.tenantId } },
      );
    }
    const slots: Map<number, VersionSlot<DataKey | IndexKey>> = record.purpose === 'data'
      ? this.#data
      : this.#index;
    if (record.purpose === 'data') {
      this.#newestData = Math.max(this.#newestData, record.version);
    } else {
      this.#newestIndex = Math.max(this.#newestIndex, record.version);
    }
    if (record.state !== 'active') {
      slots.set(record.version, { state: record.state, key: undefined });
      return;
    }
    const binding = { tenantId: record.tenantId, purpose: record.purpose, version: record.version };
    if (record.wrappedKey === null) {
      throw new PhiCryptoError(
        'wrapped_key_invalid',
        `${record.purpose} key version ${record.version} of tenant ${record.tenantId} is active but has no ` +
          'wrapped key; the key row is inconsistent',
        { details: { tenantId: record.tenantId, keyVersion: record.version } },
      );
    }
    const raw = unwrapKey(masterKeys.get(record.masterKeyId), binding, record.wrappedKey);
    try {
      const key =
        record.purpose === 'data'
          ? new DataKey(record.tenantId, record.version, raw)
          : new IndexKey(record.tenantId, record.version, raw);
      slots.set(record.version, { state: 'active', key });
    } finally {
      zeroize(raw);
    }
  }

  get destroyed(): boolean {
    return this.#destroyed;
  }

  /** Tells whether the tenant has ever had a key of `purpose`, in any state. */
  hasAny(purpose: KeyPurpose): boolean {
    return (purpose === 'data' ? this.#data : this.#index).size > 0;
  }

  /** Tells whether the newest version of either purpose is destroyed, which only a shred does. */
  isShredded(): boolean {
    return (['data', 'index'] as const).some((purpose) => {
      const slots = purpose === 'data' ? this.#data : this.#index;
      return slots.get(this.newestVersion(purpose))?.state === 'destroyed';
    });
  }

  /** Highest version of `purpose` in any state, or 0 when there is none. */
  newestVersion(purpose: KeyPurpose): number {
    return purpose === 'data' ? this.#newestData : this.#newestIndex;
  }

  /**
   * Returns the newest data key, which encrypts all new values. Throws `key_destroyed` when the
   * tenant was shredded and `tenant_keys_not_found` when it has no data key yet.
   */
  currentDataKey(): DataKey {
    return this.#current(this.#data, 'data');
  }

  currentIndexKey(): IndexKey {
    return this.#current(this.#index, 'index');
  }

  /** Active index keys, newest first, for lookups that must also match values indexed before a rotation. */
  activeIndexKeys(): IndexKey[] {
    const keys: IndexKey[] = [];
    for (const version of [...this.#index.keys()].sort((a, b) => b - a)) {
      const key = this.#index.get(version)?.key;
      if (key !== undefined) {
        keys.push(key);
      }
    }
    return keys;
  }

  /** Tells whether `version` of the data key is absent, so a reload may find a newer rotation. */
  hasDataVersion(version: number): boolean {
    return this.#data.has(version);
  }

  /** Returns the data key that decrypts values written under `version`, or throws why it cannot. */
  dataKeyForDecryption(version: number): DataKey {
    const slot = this.#data.get(version);
    if (slot === undefined) {
      throw new PhiCryptoError(
        this.#data.size === 0 ? 'tenant_keys_not_found' : 'key_version_not_found',
        this.#data.size === 0
          ? `tenant ${this.tenantId} has no data keys; the value was not encrypted for this tenant`
          : `data key version ${version} does not exist for tenant ${this.tenantId} ` +
              `(newest is ${this.newestVersion('data')}); the value belongs to another tenant or was altered`,
        { details: { tenantId: this.tenantId, keyVersion: version } },
      );
    }
    return this.#usable(slot, 'data', version);
  }

  #current<K extends DataKey | IndexKey>(slots: Map<number, VersionSlot<K>>, purpose: KeyPurpose): K {
    const version = slots === this.#data ? this.#newestData : this.#newestIndex;
    const slot = slots.get(version);
    if (slot === undefined) {
      throw new PhiCryptoError('tenant_keys_not_found', `tenant ${this.tenantId} has no ${purpose} key yet`, {
        details: { tenantId: this.tenantId },
      });
    }
    return this.#usable(slot, purpose, version);
  }

  #usable<K extends DataKey | IndexKey>(slot: VersionSlot<K>, purpose: KeyPurpose, version: number): K {
    const details = { tenantId: this.tenantId, keyVersion: version };
    if (slot.state === 'retired') {
      throw new PhiCryptoError(
        'key_version_retired',
        `${purpose} key version ${version} of tenant ${this.tenantId} is retired (below the minimum decryption ` +
          'version); re-encrypt the value before retiring, or lower the minimum decryption version',
        { details },
      );
    }
    if (slot.key === undefined || slot.key.destroyed || this.#destroyed) {
      throw new PhiCryptoError(
        'key_destroyed',
        `${purpose} key version ${version} of tenant ${this.tenantId} was destroyed; ` +
          'values encrypted under it are unrecoverable',
        { details },
      );
    }
    return slot.key;
  }

  /**
   * Returns the usable data key of `version`, or of the newest version when omitted, or undefined
   * when it is missing, retired or destroyed. It has no throwing path, so the hot path can call it
   * without a try block and fall back to the awaiting methods.
   */
  peekDataKey(version = this.newestVersion('data')): DataKey | undefined {
    const slot = this.#data.get(version);
    if (this.#destroyed || slot?.state !== 'active' || slot.key === undefined || slot.key.destroyed) {
      return undefined;
    }
    return slot.key;
  }

  /** Uses one reserved encryption of `version`; returns false when a new block must be reserved. */
  takeReservedUse(version: number): boolean {
    const remaining = this.#reservedUses.get(version) ?? 0;
    if (remaining <= 0) {
      return false;
    }
    this.#reservedUses.set(version, remaining - 1);
    return true;
  }

  addReservedUses(version: number, count: number): void {
    this.#reservedUses.set(version, (this.#reservedUses.get(version) ?? 0) + count);
  }

  /** Zeroes every unwrapped key; operations that still hold this ring then throw `key_destroyed`. */
  destroy(): void {
    this.#destroyed = true;
    for (const slot of [...this.#data.values(), ...this.#index.values()]) {
      slot.key?.destroy();
    }
  }
}
