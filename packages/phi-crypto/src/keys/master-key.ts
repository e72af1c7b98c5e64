import { createHmac } from 'node:crypto';
import { PhiCryptoError } from '../errors.js';
import { constantTimeEqual, zeroize } from '../internal/bytes.js';

const MASTER_KEY_BYTES = 32;
const KEY_ID_LABEL = 'skillancer/phi-crypto/master-key-id/v1';
const CHECK_VALUE_LABEL = 'skillancer/phi-crypto/master-key-check/v1';

/**
 * A 256-bit key-encryption key. It only wraps tenant keys and never encrypts PHI.
 *
 * `id` is `mk_` plus 16 hex characters (the first 64 bits of an HMAC-SHA256 of a fixed label under
 * the key). It is stored beside every wrapped key so that unwrapping picks the right key and a
 * wrong key is reported by id before any ciphertext is touched. Neither `id` nor `checkValue`
 * reveals the key, because both are PRF outputs under it.
 */
export class MasterKey {
  readonly id: string;
  /** 256-bit HMAC-SHA256 of a second label, in base64url; see `verifyCheckValue`. */
  readonly checkValue: string;
  readonly #material: Buffer;
  #destroyed = false;

  private constructor(material: Buffer) {
    this.#material = material;
    this.id = `mk_${createHmac('sha256', material).update(KEY_ID_LABEL).digest().subarray(0, 8).toString('hex')}`;
    this.checkValue = createHmac('sha256', material).update(CHECK_VALUE_LABEL).digest('base64url');
  }

  /**
   * Parses 64 hex characters (the `ENCRYPTION_MASTER_KEY` format). `label` names the source in the
   * error message, for example the environment variable.
   */
  static fromHex(hex: string, label = 'master key'): MasterKey {
    const trimmed = hex.trim();
    if (!/^[0-9a-fA-F]{64}$/.test(trimmed)) {
      throw new PhiCryptoError(
        'invalid_master_key',
        `${label} must be exactly 64 hex characters (32 bytes), got ${trimmed.length} characters; ` +
          'generate one with `openssl rand -hex 32`',
        { field: label },
      );
    }
    return new MasterKey(Buffer.from(trimmed, 'hex'));
  }

  /** Copies 32 raw bytes into a new master key. */
  static fromBytes(bytes: Uint8Array, label = 'master key'): MasterKey {
    if (bytes.length !== MASTER_KEY_BYTES) {
      throw new PhiCryptoError('invalid_master_key', `${label} must be 32 bytes, got ${bytes.length}`, {
        field: label,
      });
    }
    return new MasterKey(Buffer.from(bytes));
  }

  /**
   * Checks a stored check value against this key in constant time. The 64-bit id already
   * distinguishes keys, and the 256-bit check value is for start-up checks where a chance match
   * must be impossible, such as "the configured key is the one recorded when the data was written".
   */
  verifyCheckValue(expected: string): boolean {
    return constantTimeEqual(Buffer.from(this.checkValue), Buffer.from(expected));
  }

  /** Throws `master_key_check_failed` unless `expected` is this key's check value. */
  assertCheckValue(expected: string): void {
    if (!this.verifyCheckValue(expected)) {
      throw new PhiCryptoError(
        'master_key_check_failed',
        `master key ${this.id} does not match the stored key check value; ` +
          'the configured ENCRYPTION_MASTER_KEY is not the key the data was written with',
        { details: { masterKeyId: this.id } },
      );
    }
  }

  /**
   * Returns the raw key bytes for the wrapping and legacy modules of this package.
   * Callers must not keep or modify the buffer.
   */
  exposeMaterial(): Buffer {
    if (this.#destroyed) {
      throw new PhiCryptoError(
        'invalid_master_key',
        `master key ${this.id} was destroyed and cannot be used`,
      );
    }
    return this.#material;
  }

  /** Zeroes the key bytes; later use throws. */
  destroy(): void {
    zeroize(this.#material);
    this.#destroyed = true;
  }

  toJSON(): { id: string } {
    return { id: this.id };
  }
}
