import { PhiCryptoError } from '../errors.js';
import type { KeyPurpose } from './key-wrap.js';
import type {
  KeyPageRequest,
  KeyStateChange,
  MasterKeyUsage,
  NewTenantKey,
  TenantKeyRecord,
  TenantKeyRef,
  TenantKeyRepository,
  WrappedKeyReplacement,
} from './repository.js';

function keyOf(ref: TenantKeyRef): string {
  return JSON.stringify([ref.tenantId, ref.purpose, ref.version]);
}

function compareRefs(a: TenantKeyRef, b: TenantKeyRef): number {
  if (a.tenantId !== b.tenantId) {
    return a.tenantId < b.tenantId ? -1 : 1;
  }
  if (a.purpose !== b.purpose) {
    return a.purpose < b.purpose ? -1 : 1;
  }
  return a.version - b.version;
}

function copy(record: TenantKeyRecord): TenantKeyRecord {
  return {
    ...record,
    createdAt: new Date(record.createdAt),
    retiredAt: record.retiredAt && new Date(record.retiredAt),
    destroyedAt: record.destroyedAt && new Date(record.destroyedAt),
  };
}

/**
 * `TenantKeyRepository` in a Map, for tests and single-process tools. Records are copied on the way
 * in and out, so callers cannot change stored state without going through the interface.
 */
export class InMemoryTenantKeyRepository implements TenantKeyRepository {
  readonly #rows = new Map<string, TenantKeyRecord>();

  async loadTenantKeys(tenantId: string): Promise<TenantKeyRecord[]> {
    return [...this.#rows.values()]
      .filter((row) => row.tenantId === tenantId)
      .sort(compareRefs)
      .map(copy);
  }

  async insertKeyVersion(key: NewTenantKey): Promise<'inserted' | 'exists'> {
    const id = keyOf(key);
    if (this.#rows.has(id)) {
      return 'exists';
    }
    this.#rows.set(id, {
      tenantId: key.tenantId,
      purpose: key.purpose,
      version: key.version,
      state: 'active',
      wrappedKey: key.wrappedKey,
      masterKeyId: key.masterKeyId,
      createdAt: new Date(key.createdAt),
      retiredAt: null,
      destroyedAt: null,
      usageCount: 0,
    });
    return 'inserted';
  }

  async listKeysToRewrap(currentMasterKeyId: string, page: KeyPageRequest): Promise<TenantKeyRecord[]> {
    const after = page.after;
    return [...this.#rows.values()]
      .filter((row) => row.state !== 'destroyed' && row.masterKeyId !== currentMasterKeyId)
      .filter((row) => after === undefined || compareRefs(row, after) > 0)
      .sort(compareRefs)
      .slice(0, page.limit)
      .map(copy);
  }

  async countKeysToRewrap(currentMasterKeyId: string): Promise<number> {
    let count = 0;
    for (const row of this.#rows.values()) {
      if (row.state !== 'destroyed' && row.masterKeyId !== currentMasterKeyId) {
        count += 1;
      }
    }
    return count;
  }

  async replaceWrappedKeys(replacements: readonly WrappedKeyReplacement[]): Promise<number> {
    let updated = 0;
    for (const replacement of replacements) {
      const row = this.#rows.get(keyOf(replacement));
      if (
        row === undefined ||
        row.state === 'destroyed' ||
        row.masterKeyId !== replacement.expectedMasterKeyId
      ) {
        continue;
      }
      row.wrappedKey = replacement.wrappedKey;
      row.masterKeyId = replacement.masterKeyId;
      updated += 1;
    }
    return updated;
  }

  async setKeyStates(change: KeyStateChange): Promise<TenantKeyRecord[]> {
    const changed: TenantKeyRecord[] = [];
    for (const version of change.versions) {
      const row = this.#rows.get(keyOf({ tenantId: change.tenantId, purpose: change.purpose, version }));
      if (row === undefined || row.state === 'destroyed' || row.state === change.state) {
        continue;
      }
      row.state = change.state;
      if (change.state === 'destroyed') {
        row.wrappedKey = null;
        row.destroyedAt = new Date(change.at);
      } else if (change.state === 'retired') {
        row.retiredAt = new Date(change.at);
      } else {
        row.retiredAt = null;
      }
      changed.push(copy(row));
    }
    return changed;
  }

  async incrementUsage(key: TenantKeyRef, count: number): Promise<number> {
    const row = this.#rows.get(keyOf(key));
    if (row === undefined) {
      throw new PhiCryptoError(
        'key_version_not_found',
        `cannot count usage of ${describeRef(key)}: no such key version is stored`,
        { details: { tenantId: key.tenantId, keyVersion: key.version } },
      );
    }
    row.usageCount += count;
    return row.usageCount;
  }

  async listMasterKeyUsage(): Promise<MasterKeyUsage[]> {
    const counts = new Map<string, number>();
    for (const row of this.#rows.values()) {
      if (row.state !== 'destroyed') {
        counts.set(row.masterKeyId, (counts.get(row.masterKeyId) ?? 0) + 1);
      }
    }
    return [...counts].map(([masterKeyId, keyCount]) => ({ masterKeyId, keyCount }));
  }
}

function describeRef(key: { tenantId: string; purpose: KeyPurpose; version: number }): string {
  return `${key.purpose} key version ${key.version} of tenant ${key.tenantId}`;
}
