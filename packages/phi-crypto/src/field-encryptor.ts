import { Buffer } from 'node:buffer';
import { type BatchItemResult, type BatchOptions, runInSlices } from './batch.js';
import { PhiCryptoError, requireArgument } from './errors.js';
import { openField, sealField } from './format/field-cipher.js';
import { assertFieldContext, describeFieldContext, type FieldContext } from './format/field-context.js';
import { type FieldEnvelope, PayloadType, parseFieldCiphertext } from './format/field-format.js';
import { decodeUtf8Strict } from './internal/encoding.js';
import type { KeyManager } from './keys/key-manager.js';

/** Default largest plaintext: 1 MiB, which encrypts in about 1–2 ms of event-loop time. */
export const DEFAULT_MAX_PLAINTEXT_BYTES = 1024 * 1024;
/** Values above 16 MiB belong in object storage, where they can be encrypted in chunks. */
const MAX_PLAINTEXT_LIMIT = 16 * 1024 * 1024;
const LONE_SURROGATE = /\p{Cs}/u;

export interface FieldEncryptorOptions {
  keys: KeyManager;
  /** Largest plaintext in bytes; default 1 MiB, at most 16 MiB. */
  maxPlaintextBytes?: number;
}

export interface ReencryptResult {
  ciphertext: string;
  fromVersion: number;
  toVersion: number;
  /** False when the value already used the newest key version and was returned unchanged. */
  changed: boolean;
}

export interface FieldItem<T> {
  context: FieldContext;
  value: T;
}

/**
 * Encrypts and decrypts single PHI fields with the tenant's data keys. Every value is bound to its
 * `FieldContext`; decrypting with any other context fails.
 */
export class FieldEncryptor {
  readonly #keys: KeyManager;
  readonly #maxPlaintextBytes: number;

  constructor(options: FieldEncryptorOptions) {
    this.#keys = options.keys;
    this.#maxPlaintextBytes = options.maxPlaintextBytes ?? DEFAULT_MAX_PLAINTEXT_BYTES;
    requireArgument(
      Number.isInteger(this.#maxPlaintextBytes) &&
        this.#maxPlaintextBytes >= 1 &&
        this.#maxPlaintextBytes <= MAX_PLAINTEXT_LIMIT,
      `maxPlaintextBytes must be an integer from 1 to ${MAX_PLAINTEXT_LIMIT}`,
      'maxPlaintextBytes',
    );
  }

  /** Encrypts a text value with the tenant's newest data key (created on first use). */
  async encrypt(context: FieldContext, plaintext: string): Promise<string> {
    assertFieldContext(context);
    if (typeof plaintext !== 'string') {
      throw new PhiCryptoError('invalid_argument', `${describeFieldContext(context)} must be a string`, {
        field: context.field,
      });
    }
    if (LONE_SURROGATE.test(plaintext)) {
      throw new PhiCryptoError(
        'invalid_utf8',
        `${describeFieldContext(context)} contains an unpaired UTF-16 surrogate, which has no UTF-8 form`,
        { field: context.field },
      );
    }
    // The UTF-8 copy is zeroed after use so the value does not linger in Node's buffer pool.
    const bytes = Buffer.from(plaintext, 'utf8');
    try {
      const sealed = this.#seal(context, bytes, PayloadType.text);
      return typeof sealed === 'string' ? sealed : await sealed;
    } finally {
      bytes.fill(0);
    }
  }

  /** Encrypts binary data; decrypt it with `decryptBytes`. */
  async encryptBytes(context: FieldContext, plaintext: Uint8Array): Promise<string> {
    assertFieldContext(context);
    if (!(plaintext instanceof Uint8Array)) {
      throw new PhiCryptoError('invalid_argument', `${describeFieldContext(context)} must be a Uint8Array`, {
        field: context.field,
      });
    }
    return this.#seal(
      context,
      Buffer.from(plaintext.buffer, plaintext.byteOffset, plaintext.byteLength),
      PayloadType.bytes,
    );
  }

  /** Decrypts a value written by `encrypt`. */
  async decrypt(context: FieldContext, stored: string): Promise<string> {
    const opened = this.#open(context, stored, PayloadType.text);
    const plaintext = opened instanceof Promise ? await opened : opened;
    const text = decodeUtf8Strict(plaintext);
    plaintext.fill(0);
    if (text === undefined) {
      throw new PhiCryptoError(
        'invalid_utf8',
        `${describeFieldContext(context)} decrypted to invalid UTF-8`,
        {
          field: context.field,
        },
      );
    }
    return text;
  }

  /** Decrypts a value written by `encryptBytes`. */
  async decryptBytes(context: FieldContext, stored: string): Promise<Buffer> {
    return this.#open(context, stored, PayloadType.bytes);
  }

  /**
   * Moves a value to the tenant's newest data key version. Values already on it are returned
   * unchanged, so a migration job can run over all rows repeatedly.
   */
  async reencrypt(context: FieldContext, stored: string): Promise<ReencryptResult> {
    assertFieldContext(context);
    const envelope = parseFieldCiphertext(stored, context.field);
    const current = await this.#keys.currentDataKeyVersion(context.tenantId);
    if (envelope.keyVersion === current) {
      return { ciphertext: stored, fromVersion: current, toVersion: current, changed: false };
    }
    const plaintext = await this.#openEnvelope(context, envelope);
    try {
      const ciphertext = await this.#seal(context, plaintext, envelope.payloadType);
      const toVersion = parseFieldCiphertext(ciphertext).keyVersion;
      return { ciphertext, fromVersion: envelope.keyVersion, toVersion, changed: true };
    } finally {
      plaintext.fill(0);
    }
  }

  /** Encrypts many text values, yielding to the event loop between slices; errors are per item. */
  encryptBatch(
    items: ReadonlyArray<FieldItem<string>>,
    options?: BatchOptions,
  ): Promise<Array<BatchItemResult<string>>> {
    return runInSlices(items, (item) => this.encrypt(item.context, item.value), options);
  }

  /** Decrypts many text values, yielding to the event loop between slices; errors are per item. */
  decryptBatch(
    items: ReadonlyArray<FieldItem<string>>,
    options?: BatchOptions,
  ): Promise<Array<BatchItemResult<string>>> {
    return runInSlices(items, (item) => this.decrypt(item.context, item.value), options);
  }

  /** Re-encrypts many values onto the newest key version; errors are per item. */
  reencryptBatch(
    items: ReadonlyArray<FieldItem<string>>,
    options?: BatchOptions,
  ): Promise<Array<BatchItemResult<ReencryptResult>>> {
    return runInSlices(items, (item) => this.reencrypt(item.context, item.value), options);
  }

  /** Returns a string at once when the key is cached, so the hot path awaits nothing. */
  #seal(context: FieldContext, plaintext: Buffer, payloadType: PayloadType): string | Promise<string> {
    if (plaintext.length === 0) {
      throw new PhiCryptoError(
        'empty_value',
        `${describeFieldContext(context)} is empty; store NULL for a missing value instead of encrypting nothing`,
        { field: context.field },
      );
    }
    if (plaintext.length > this.#maxPlaintextBytes) {
      throw new PhiCryptoError(
        'value_too_large',
        `${describeFieldContext(context)} is ${plaintext.length} bytes, above the limit of ` +
          `${this.#maxPlaintextBytes}; store large content in object storage`,
        { field: context.field, details: { bytes: plaintext.length, limit: this.#maxPlaintextBytes } },
      );
    }
    const cached = this.#keys.cachedEncryptionKey(context.tenantId);
    if (cached !== undefined) {
      return sealField(cached, context, plaintext, payloadType);
    }
    return this.#keys
      .encryptionKey(context.tenantId)
      .then((key) => sealField(key, context, plaintext, payloadType));
  }

  #open(context: FieldContext, stored: string, expected: PayloadType): Buffer | Promise<Buffer> {
    assertFieldContext(context);
    const envelope = parseFieldCiphertext(stored, context.field);
    if (envelope.payloadType !== expected) {
      const [has, use] =
        envelope.payloadType === PayloadType.bytes ? ['binary data', 'decryptBytes'] : ['text', 'decrypt'];
      throw new PhiCryptoError(
        'payload_type_mismatch',
        `${describeFieldContext(context)} holds ${has}; read it with ${use}`,
        {
          field: context.field,
        },
      );
    }
    return this.#openEnvelope(context, envelope);
  }

  #openEnvelope(context: FieldContext, envelope: FieldEnvelope): Buffer | Promise<Buffer> {
    const cached = this.#keys.cachedDecryptionKey(context.tenantId, envelope.keyVersion);
    if (cached !== undefined) {
      return openField(cached, context, envelope);
    }
    return this.#keys
      .decryptionKey(context.tenantId, envelope.keyVersion)
      .then((key) => openField(key, context, envelope));
  }
}
