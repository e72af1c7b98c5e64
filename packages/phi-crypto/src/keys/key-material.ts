import { hkdfSync } from 'node:crypto';
import { PhiCryptoError } from '../errors.js';
import { zeroize } from '../internal/bytes.js';
import { encodeLengthPrefixed } from '../internal/encoding.js';

const ENCRYPTION_LABEL = 'skillancer/phi-crypto/field-encryption/v1';
const COMMITMENT_LABEL = 'skillancer/phi-crypto/key-commitment/v1';
const BLIND_INDEX_LABEL = 'skillancer/phi-crypto/blind-index/v1';

/**
 * HKDF-SHA256 Expand with an empty salt: the input is already a uniformly random 256-bit key, so
 * RFC 5869 §3.3 allows skipping Extract's entropy concentration. `info` separates purposes.
 */
function expand(key: Uint8Array, info: readonly string[]): Buffer {
  return Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), encodeLengthPrefixed(info), 32));
}

function destroyedError(tenantId: string, purpose: string, version: number): PhiCryptoError {
  return new PhiCryptoError(
    'key_destroyed',
    `${purpose} key version ${version} of tenant ${tenantId} was destroyed; data encrypted under it is unrecoverable`,
    { details: { tenantId, keyVersion: version } },
  );
}

/**
 * An unwrapped data key version, kept only as two HKDF outputs: the AES-256-GCM key and the
 * 256-bit key commitment written into every ciphertext. Both are bound to tenant and version.
 */
export class DataKey {
  readonly tenantId: string;
  readonly version: number;
  readonly #encryptionKey: Buffer;
  readonly #commitment: Buffer;
  #destroyed = false;

  /** Derives the working keys from `rawKey`; the caller zeroes `rawKey` afterwards. */
  constructor(tenantId: string, version: number, rawKey: Uint8Array) {
    this.tenantId = tenantId;
    this.version = version;
    const binding = [tenantId, String(version)];
    this.#encryptionKey = expand(rawKey, [ENCRYPTION_LABEL, ...binding]);
    this.#commitment = expand(rawKey, [COMMITMENT_LABEL, ...binding]);
  }

  get destroyed(): boolean {
    return this.#destroyed;
  }

  /**
   * Returns the AES key. Callers use it synchronously (Node copies it into the cipher context),
   * so a key destroyed by a shred is never used after `destroy` returns.
   */
  encryptionKey(): Buffer {
    if (this.#destroyed) {
      throw destroyedError(this.tenantId, 'data', this.version);
    }
    return this.#encryptionKey;
  }

  commitment(): Buffer {
    if (this.#destroyed) {
      throw destroyedError(this.tenantId, 'data', this.version);
    }
    return this.#commitment;
  }

  destroy(): void {
    zeroize(this.#encryptionKey, this.#commitment);
    this.#destroyed = true;
  }
}

/**
 * An unwrapped blind-index key version. Each field gets its own HMAC key, derived with HKDF from
 * this key with (tenant id, field name) as info, so indexes of two fields or two tenants never
 * match even for equal values, and no index key relates to any encryption key.
 */
export class IndexKey {
  readonly tenantId: string;
  readonly version: number;
  readonly #material: Buffer;
  readonly #fieldKeys = new Map<string, Buffer>();
  #destroyed = false;

  /** Copies `rawKey`; the caller zeroes its own copy. */
  constructor(tenantId: string, version: number, rawKey: Uint8Array) {
    this.tenantId = tenantId;
    this.version = version;
    this.#material = Buffer.from(rawKey);
  }

  get destroyed(): boolean {
    return this.#destroyed;
  }

  /** Returns the HMAC-SHA256 key for one field, derived once and cached. */
  fieldKey(field: string): Buffer {
    if (this.#destroyed) {
      throw destroyedError(this.tenantId, 'index', this.version);
    }
    let key = this.#fieldKeys.get(field);
    if (key === undefined) {
      key = expand(this.#material, [BLIND_INDEX_LABEL, this.tenantId, String(this.version), field]);
      this.#fieldKeys.set(field, key);
    }
    return key;
  }

  destroy(): void {
    zeroize(this.#material, ...this.#fieldKeys.values());
    this.#fieldKeys.clear();
    this.#destroyed = true;
  }
}
