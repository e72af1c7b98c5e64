import type { KeyPurpose } from './key-wrap.js';

/**
 * `active` keys encrypt (newest version only) and decrypt. `retired` keys are kept wrapped but
 * refused for decryption, which is reversible. `destroyed` keys have had their wrapped bytes
 * deleted; this is final and makes everything encrypted under them unrecoverable.
 */
export type KeyState = 'active' | 'retired' | 'destroyed';

/** One version of one tenant key as stored. */
export interface TenantKeyRecord {
  tenantId: string;
  purpose: KeyPurpose;
  /** 1 for the first key of a purpose, then +1 per rotation. */
  version: number;
  state: KeyState;
  /** The key wrapped by `masterKeyId`; null once the version is destroyed. */
  wrappedKey: string | null;
  /** Id of the master key that wrapped it; kept after destruction for the audit trail. */
  masterKeyId: string;
  createdAt: Date;
  retiredAt: Date | null;
  destroyedAt: Date | null;
  /**
   * Encryptions reserved under this version. Replicas reserve blocks before encrypting, so the
   * count is an upper bound of the encryptions performed and never lags behind them.
   */
  usageCount: number;
}

export interface NewTenantKey {
  tenantId: string;
  purpose: KeyPurpose;
  version: number;
  wrappedKey: string;
  masterKeyId: string;
  createdAt: Date;
}

/** Identifies one key version. */
export interface TenantKeyRef {
  tenantId: string;
  purpose: KeyPurpose;
  version: number;
}

/** A rewrapped key, written only if the row is still wrapped by `expectedMasterKeyId`. */
export interface WrappedKeyReplacement extends TenantKeyRef {
  expectedMasterKeyId: string;
  wrappedKey: string;
  masterKeyId: string;
}

export interface KeyStateChange {
  tenantId: string;
  purpose: KeyPurpose;
  versions: readonly number[];
  state: KeyState;
  at: Date;
}

export interface KeyPageRequest {
  /** Return keys ordered after this one by (tenantId, purpose, version); omit for the first page. */
  after?: TenantKeyRef;
  limit: number;
}

export interface MasterKeyUsage {
  masterKeyId: string;
  /** Keys that are not destroyed and are wrapped by this master key. */
  keyCount: number;
}

/**
 * Storage of wrapped tenant keys. auth-svc implements it on PostgreSQL/PGlite with a primary key
 * on (tenant_id, purpose, version); `InMemoryTenantKeyRepository` is the reference implementation,
 * and `@skillancer/phi-crypto/testing` has a contract suite every implementation must pass.
 * Implementations store what they are given and never see plaintext keys.
 */
export interface TenantKeyRepository {
  /** Returns every version of both purposes for a tenant in any state, or [] for an unknown tenant. */
  loadTenantKeys(tenantId: string): Promise<TenantKeyRecord[]>;

  /**
   * Inserts a version with state `active` and usage 0 unless (tenantId, purpose, version) exists.
   * Returns `exists` when another writer inserted it first (`INSERT ... ON CONFLICT DO NOTHING`);
   * the key manager then reloads and uses the winner's key.
   */
  insertKeyVersion(key: NewTenantKey): Promise<'inserted' | 'exists'>;

  /**
   * Returns keys that are not destroyed and whose `masterKeyId` differs from `currentMasterKeyId`,
   * ordered by (tenantId, purpose, version), at most `page.limit` of them.
   */
  listKeysToRewrap(currentMasterKeyId: string, page: KeyPageRequest): Promise<TenantKeyRecord[]>;

  /** Counts the keys `listKeysToRewrap` would return over all pages. */
  countKeysToRewrap(currentMasterKeyId: string): Promise<number>;

  /**
   * Replaces wrapped keys in one transaction. A row is updated only if it is not destroyed and
   * still has `expectedMasterKeyId`, so a concurrent rewrap or shred is never overwritten.
   * Returns the number of rows updated.
   */
  replaceWrappedKeys(replacements: readonly WrappedKeyReplacement[]): Promise<number>;

  /**
   * Sets the state of the listed versions. Destroyed rows never change again. `destroyed` also
   * sets `wrappedKey` to null and `destroyedAt`; `retired` sets `retiredAt`; `active` clears it.
   * Returns the rows whose state changed, as stored after the change.
   */
  setKeyStates(change: KeyStateChange): Promise<TenantKeyRecord[]>;

  /** Adds `count` to a version's usage count atomically and returns the new total. */
  incrementUsage(key: TenantKeyRef, count: number): Promise<number>;

  /** Lists master key ids that wrap at least one key that is not destroyed. */
  listMasterKeyUsage(): Promise<MasterKeyUsage[]>;
}
