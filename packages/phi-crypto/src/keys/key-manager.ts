import { PhiCryptoError, requireArgument } from '../errors.js';
import type { DependencyObserver } from '../observer.js';
import { TenantKeyCache } from './key-cache.js';
import {
  createKeyVersion,
  destroyRetiredVersions,
  type KeyCreatedEvent,
  type LifecycleContext,
  loadRecords,
  newestRecord,
  setMinimumDecryptionVersion,
  shreddedError,
  shredTenant,
} from './key-lifecycle.js';
import type { DataKey, IndexKey } from './key-material.js';
import type { KeyPurpose } from './key-wrap.js';
import type { MasterKeyring } from './master-keyring.js';
import {
  assertMasterKeysConfigured,
  type MasterKeyStatus,
  type RewrapOptions,
  type RewrapSummary,
  readMasterKeyStatus,
  rewrapTenantKeys,
} from './master-rotation.js';
import { observeRepository } from './observed-repository.js';
import type { TenantKeyRecord, TenantKeyRepository } from './repository.js';
import type { ShredReceipt, ShredRequest } from './shredding.js';
import { type TenantKeyInfo, TenantKeyring, toKeyInfo } from './tenant-keyring.js';
import { UsageReservations } from './usage-reservations.js';

export type { KeyCreatedEvent, KeyCreationReason } from './key-lifecycle.js';

/**
 * NIST SP 800-38D §8.3: with random 96-bit nonces, at most 2^32 encryptions per key. The
 * rotation threshold cannot be set above it, and no key version is used past its threshold.
 */
export const GCM_RANDOM_NONCE_LIMIT = 2 ** 32;

/**
 * Default point at which a data key is rotated: 2^30 encryptions. The chance of any nonce
 * collision among q random 96-bit nonces is about q²/2^97, so 2^-37 here against 2^-33 at the
 * NIST limit. Replicas switch to the new version at their next reservation, so each uses at
 * most one reserved block past the threshold. The rest of the 3 × 2^30 headroom covers counts
 * that were lost, such as key rows restored from an older backup. At 10,000 encryptions per
 * second for one tenant a key lasts about 30 hours.
 */
export const DEFAULT_ROTATE_AFTER_ENCRYPTIONS = 2 ** 30;

/**
 * Encryptions reserved per repository round trip. A crash wastes at most this many from the
 * count, which errs on the safe side, and it keeps the usage update off the per-value path.
 */
export const DEFAULT_USAGE_RESERVATION = 4096;

export interface KeyManagerOptions {
  masterKeys: MasterKeyring;
  repository: TenantKeyRepository;
  cache?: {
    /** Default 1,000 tenants. */
    maxTenants?: number;
    /** Default 5 minutes; see `KeyCacheOptions.ttlMs`. */
    ttlMs?: number;
  };
  /** Encryptions per data key version before it rotates; default `DEFAULT_ROTATE_AFTER_ENCRYPTIONS`, at most 2^32. */
  rotateAfterEncryptions?: number;
  /** Default `DEFAULT_USAGE_RESERVATION`. */
  usageReservation?: number;
  /** Milliseconds since the epoch; injectable for tests. */
  clock?: () => number;
  /** Called once per repository call. */
  observer?: DependencyObserver;
  /** Called after the manager inserted a key version, including keys created on first use. */
  onKeyCreated?: (event: KeyCreatedEvent) => void;
}

/**
 * Tenant key lifecycle on top of a `TenantKeyRepository`: creates keys on first use, caches them
 * unwrapped, counts encryptions, rotates, retires, rewraps for master key rotation and shreds.
 * Create one instance per process. All methods are safe to call concurrently, also from several
 * replicas, because every write relies on the repository's conditional inserts and updates.
 */
export class KeyManager {
  readonly #masterKeys: MasterKeyring;
  readonly #repository: TenantKeyRepository;
  readonly #cache: TenantKeyCache;
  readonly #ttlMs: number;
  readonly #rotateAfter: number;
  readonly #reservation: number;
  readonly #clock: () => number;
  readonly #loads = new Map<string, Promise<TenantKeyring>>();
  readonly #reservations: UsageReservations;
  readonly #lifecycle: LifecycleContext;

  constructor(options: KeyManagerOptions) {
    this.#masterKeys = options.masterKeys;
    this.#repository = observeRepository(options.repository, options.observer);
    this.#ttlMs = options.cache?.ttlMs ?? 300_000;
    this.#cache = new TenantKeyCache({ maxTenants: options.cache?.maxTenants ?? 1000, ttlMs: this.#ttlMs });
    this.#reservation = options.usageReservation ?? DEFAULT_USAGE_RESERVATION;
    this.#rotateAfter = options.rotateAfterEncryptions ?? DEFAULT_ROTATE_AFTER_ENCRYPTIONS;
    this.#clock = options.clock ?? Date.now;
    this.#lifecycle = {
      masterKeys: this.#masterKeys,
      repository: this.#repository,
      clock: this.#clock,
      cacheTtlMs: this.#ttlMs,
      invalidate: (tenantId, invalidateOptions) => this.#cache.invalidate(tenantId, invalidateOptions),
      onKeyCreated: options.onKeyCreated,
    };
    this.#reservations = new UsageReservations(this.#lifecycle, this.#reservation, this.#rotateAfter);
    requireArgument(
      Number.isInteger(this.#reservation) && this.#reservation >= 1,
      'usageReservation must be a positive integer',
      'usageReservation',
    );
    requireArgument(
      Number.isInteger(this.#rotateAfter) &&
        this.#rotateAfter >= 1 &&
        this.#rotateAfter <= GCM_RANDOM_NONCE_LIMIT,
      `rotateAfterEncryptions must be an integer from 1 to 2^32, got ${this.#rotateAfter}`,
      'rotateAfterEncryptions',
    );
  }

  get masterKeys(): MasterKeyring {
    return this.#masterKeys;
  }

  /**
   * Returns the newest data key of the tenant for one encryption, creating the tenant's first keys
   * when it has none. Each call counts one encryption against the key's usage limit.
   */
  async encryptionKey(tenantId: string): Promise<DataKey> {
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const ring = await this.#ensureKeys(tenantId);
      const key = ring.currentDataKey();
      if (ring.takeReservedUse(key.version)) {
        return key;
      }
      await this.#reservations.reserve(ring, key.version);
    }
    throw new PhiCryptoError(
      'key_usage_exhausted',
      `could not reserve an encryption under a data key of tenant ${tenantId} in 5 attempts, because each ` +
        'version reached its rotation threshold or was rotated meanwhile; retry the operation',
      { details: { tenantId } },
    );
  }

  /**
   * Returns the key for one encryption without awaiting, when the tenant's keys are cached and an
   * encryption is already reserved. Otherwise it returns undefined and the caller awaits `encryptionKey`.
   */
  cachedEncryptionKey(tenantId: string): DataKey | undefined {
    const ring = this.#cache.get(tenantId, this.#clock());
    const key = ring?.hasAny('index') === true ? ring.peekDataKey() : undefined;
    return key !== undefined && ring?.takeReservedUse(key.version) === true ? key : undefined;
  }

  /** Returns a cached, usable data key version without awaiting, or undefined; see `decryptionKey`. */
  cachedDecryptionKey(tenantId: string, version: number): DataKey | undefined {
    return this.#cache.get(tenantId, this.#clock())?.peekDataKey(version);
  }

  /** Returns the version new encryptions of the tenant use, creating the first keys when it has none. */
  async currentDataKeyVersion(tenantId: string): Promise<number> {
    return (await this.#ensureKeys(tenantId)).currentDataKey().version;
  }

  /** Returns the data key version that decrypts a value, or throws why it cannot (retired, destroyed, unknown). */
  async decryptionKey(tenantId: string, version: number): Promise<DataKey> {
    let ring = await this.#tenantKeyring(tenantId);
    if (!ring.hasDataVersion(version) && version > ring.newestVersion('data')) {
      // Another replica may have rotated since this ring was loaded.
      this.#cache.invalidate(tenantId);
      ring = await this.#tenantKeyring(tenantId);
    }
    return ring.dataKeyForDecryption(version);
  }

  /** Returns the tenant's newest index key and every active one (newest first), creating keys on first use. */
  async indexKeys(tenantId: string): Promise<{ current: IndexKey; active: IndexKey[] }> {
    const ring = await this.#ensureKeys(tenantId);
    return { current: ring.currentIndexKey(), active: ring.activeIndexKeys() };
  }

  /**
   * Creates the next version of a tenant key. New encryptions (or blind indexes) use it at once in
   * this process and within one cache TTL in other replicas; older active versions still decrypt.
   */
  async rotate(tenantId: string, purpose: KeyPurpose = 'data'): Promise<TenantKeyInfo> {
    const records = await this.#loadRecords(tenantId);
    const newest = newestRecord(records, purpose);
    if (newest?.state === 'destroyed') {
      throw shreddedError(tenantId);
    }
    const version = (newest?.version ?? 0) + 1;
    await createKeyVersion(this.#lifecycle, tenantId, purpose, version, 'requested_rotation');
    this.#cache.invalidate(tenantId);
    const created = (await this.#loadRecords(tenantId)).find(
      (r) => r.purpose === purpose && r.version === version,
    );
    if (created === undefined) {
      throw new PhiCryptoError(
        'key_repository_failed',
        `version ${version} of the ${purpose} key of tenant ${tenantId} is missing right after it was inserted`,
        { details: { tenantId, keyVersion: version } },
      );
    }
    return toKeyInfo(created);
  }

  /**
   * Retires every active version below `minVersion` and reactivates retired versions at or above
   * it, like Vault's `min_decryption_version`. Re-encrypt the values first: a retired version
   * refuses to decrypt. Retiring is refused until one cache TTL after the newest version was
   * created, because replicas may still encrypt with the older one until then.
   */
  setMinimumDecryptionVersion(
    tenantId: string,
    minVersion: number,
    purpose: KeyPurpose = 'data',
  ): Promise<TenantKeyInfo[]> {
    return setMinimumDecryptionVersion(this.#lifecycle, tenantId, minVersion, purpose);
  }

  /**
   * Destroys retired versions for good (Vault's `trim`). Only retired versions qualify, so a value
   * still in use fails loudly on decrypt (`key_version_retired`) before its key is gone.
   */
  destroyRetiredVersions(
    tenantId: string,
    versions: readonly number[],
    purpose: KeyPurpose = 'data',
  ): Promise<TenantKeyInfo[]> {
    return destroyRetiredVersions(this.#lifecycle, tenantId, versions, purpose);
  }

  /**
   * Destroys every key version of the tenant (crypto-shredding) and zeroes its cached keys, after
   * which all its encrypted values and blind indexes are unrecoverable. Pass the `request` to
   * enforce its waiting period. Safe to repeat: versions destroyed earlier are counted, not
   * listed. Other replicas stop using their cached copy within one cache TTL at the latest.
   */
  shredTenant(tenantId: string, options: { request?: ShredRequest } = {}): Promise<ShredReceipt> {
    return shredTenant(this.#lifecycle, tenantId, options.request);
  }

  /** Rewraps tenant keys onto the current master key; see `rewrapTenantKeys`. */
  rewrapTenantKeys(options: RewrapOptions = {}): Promise<RewrapSummary> {
    return rewrapTenantKeys(this.#masterKeys, this.#repository, options);
  }

  /** Lists the tenant's key versions as stored, without wrapped key bytes. */
  async listTenantKeys(tenantId: string): Promise<TenantKeyInfo[]> {
    return (await this.#loadRecords(tenantId)).map(toKeyInfo);
  }

  /** Reports which master keys wrap live tenant keys and whether each is configured. */
  masterKeyStatus(): Promise<MasterKeyStatus> {
    return readMasterKeyStatus(this.#masterKeys, this.#repository);
  }

  /**
   * Throws `master_key_unknown` when stored tenant keys are wrapped by a master key that is not
   * configured. Call it at start-up so a wrong `ENCRYPTION_MASTER_KEY` stops the service before it
   * serves requests, instead of failing on the first decrypt.
   */
  async assertMasterKeysAvailable(): Promise<MasterKeyStatus> {
    const status = await this.masterKeyStatus();
    assertMasterKeysConfigured(status);
    return status;
  }

  /** Drops the tenant's cached keys so the next use reloads them; for changes made by another replica. */
  invalidate(tenantId: string): void {
    this.#cache.invalidate(tenantId);
  }

  /** Zeroes all cached keys. The manager stays usable and reloads keys on demand. */
  close(): void {
    this.#cache.clear();
  }

  #loadRecords(tenantId: string): Promise<TenantKeyRecord[]> {
    return loadRecords(this.#lifecycle, tenantId);
  }

  async #tenantKeyring(tenantId: string): Promise<TenantKeyring> {
    const cached = this.#cache.get(tenantId, this.#clock());
    if (cached !== undefined) {
      return cached;
    }
    let load = this.#loads.get(tenantId);
    if (load === undefined) {
      load = this.#load(tenantId).finally(() => this.#loads.delete(tenantId));
      this.#loads.set(tenantId, load);
    }
    return load;
  }

  async #load(tenantId: string): Promise<TenantKeyring> {
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const ticket = this.#cache.beginLoad(tenantId);
      try {
        const records = await this.#loadRecords(tenantId);
        const ring = TenantKeyring.unwrap(this.#masterKeys, tenantId, records, this.#clock());
        if (this.#cache.set(ring, ticket)) {
          return ring;
        }
        ring.destroy();
      } finally {
        this.#cache.endLoad(ticket);
      }
    }
    throw new PhiCryptoError(
      'key_version_conflict',
      `the keys of tenant ${tenantId} changed during 3 loads in a row; retry the operation`,
      { details: { tenantId } },
    );
  }

  async #ensureKeys(tenantId: string): Promise<TenantKeyring> {
    const ring = await this.#tenantKeyring(tenantId);
    const missing = (['data', 'index'] as const).filter((purpose) => !ring.hasAny(purpose));
    if (missing.length === 0) {
      return ring;
    }
    if (ring.isShredded()) {
      throw shreddedError(tenantId);
    }
    for (const purpose of missing) {
      await createKeyVersion(this.#lifecycle, tenantId, purpose, 1, 'first_use');
    }
    this.#cache.invalidate(tenantId);
    return this.#tenantKeyring(tenantId);
  }
}
