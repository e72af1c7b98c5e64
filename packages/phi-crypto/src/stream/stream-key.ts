import { Buffer } from 'node:buffer';
import { createCipheriv, createDecipheriv, hkdfSync } from 'node:crypto';
import { PhiCryptoError, requireArgument } from '../errors.js';
import { constantTimeEqual, zeroize } from '../internal/bytes.js';
import { encodeLengthPrefixed } from '../internal/encoding.js';
import type { DataKey } from '../keys/key-material.js';
import { STREAM_TAG_BYTES, type StreamHeader, writeHeaderCommitment } from './stream-format.js';

const CONTENT_KEY_LABEL = 'skillancer/phi-crypto/stream-content-key/v1';
const SEGMENT_AAD_LABEL = 'skillancer/phi-crypto/stream-segment/v1';
const MAX_CONTEXT_PART_BYTES = 512;

/**
 * Owner of a stream. Tenant, record type and record id are bound into the content key and into
 * every segment's associated data. `part` numbers the streams of one record, such as the chunks
 * of a session recording, so that two parts cannot be swapped.
 */
export interface StreamContext {
  tenantId: string;
  recordType: string;
  recordId: string;
  /** Non-negative integer. */
  part: number;
}

/** The subset of `KeyManager` that stream encryption needs. */
export interface StreamKeySource {
  encryptionKey(tenantId: string): Promise<DataKey>;
  decryptionKey(tenantId: string, version: number): Promise<DataKey>;
}

export function describeStreamContext(context: StreamContext): string {
  return `part ${context.part} of ${context.recordType} ${context.recordId} (tenant ${context.tenantId})`;
}

export function assertStreamContext(context: StreamContext): void {
  for (const name of ['tenantId', 'recordType', 'recordId'] as const) {
    const value = context[name];
    requireArgument(
      typeof value === 'string' &&
        value.length > 0 &&
        Buffer.byteLength(value, 'utf8') <= MAX_CONTEXT_PART_BYTES,
      `stream context ${name} must be a non-empty string of at most ${MAX_CONTEXT_PART_BYTES} UTF-8 bytes`,
      name,
    );
  }
  requireArgument(
    Number.isSafeInteger(context.part) && context.part >= 0,
    `stream context part must be a non-negative integer, got ${context.part}`,
    'part',
  );
}

function encodeContext(context: StreamContext): Buffer {
  return encodeLengthPrefixed([context.tenantId, context.recordType, context.recordId, String(context.part)]);
}

/**
 * The content key of one stream: 32 bytes for AES-256-GCM and a 32-byte key commitment, both from
 * HKDF-SHA256 with the tenant data key's encryption key as input, the header's random salt, and
 * (label, context, key version) as info. A fresh salt per stream makes every stream's key unique,
 * so the per-segment nonces (prefix, index, final flag) never repeat under one key.
 */
export class StreamKey {
  readonly context: StreamContext;
  readonly header: StreamHeader;
  readonly #key: Buffer;
  readonly #commitment: Buffer;
  readonly #aad: Buffer;
  readonly #nonce: Buffer;
  #destroyed = false;

  private constructor(
    dataKey: DataKey,
    header: StreamHeader,
    context: StreamContext,
    mode: 'encrypt' | 'decrypt',
  ) {
    this.context = context;
    this.header = header;
    const encodedContext = encodeContext(context);
    const info = Buffer.concat([
      encodeLengthPrefixed([CONTENT_KEY_LABEL, String(header.keyVersion)]),
      encodedContext,
    ]);
    const material = Buffer.from(hkdfSync('sha256', dataKey.encryptionKey(), header.salt, info, 64));
    this.#key = Buffer.from(material.subarray(0, 32));
    this.#commitment = Buffer.from(material.subarray(32, 64));
    zeroize(material);
    if (mode === 'encrypt') {
      writeHeaderCommitment(header.bytes, this.#commitment);
    }
    // Associated data of segment i: label, header, context, then 4 bytes index and 1 byte final flag.
    const label = encodeLengthPrefixed([SEGMENT_AAD_LABEL]);
    this.#aad = Buffer.concat([label, header.bytes, encodedContext, Buffer.alloc(5)]);
    this.#nonce = Buffer.alloc(12);
    header.noncePrefix.copy(this.#nonce, 0);
  }

  /** Derives the key for a new stream and writes its commitment into `header`. */
  static forEncryption(dataKey: DataKey, header: StreamHeader, context: StreamContext): StreamKey {
    return new StreamKey(dataKey, header, context, 'encrypt');
  }

  /**
   * Derives the key of an existing stream and checks the header's commitment (without an early
   * exit). Throws `key_commitment_mismatch` when the header was made under another key or context.
   */
  static forDecryption(dataKey: DataKey, header: StreamHeader, context: StreamContext): StreamKey {
    const key = new StreamKey(dataKey, header, context, 'decrypt');
    if (!constantTimeEqual(key.#commitment, header.commitment)) {
      key.destroy();
      throw new PhiCryptoError(
        'key_commitment_mismatch',
        `the encrypted stream is not ${describeStreamContext(context)} under data key version ${header.keyVersion}: ` +
          'it belongs to another tenant, record or part, or its header was altered',
        { details: { tenantId: context.tenantId, keyVersion: header.keyVersion } },
      );
    }
    return key;
  }

  /**
   * Encrypts one segment and returns its ciphertext and its 16-byte tag, which follow each other in
   * the stream. They are returned apart so that the ciphertext is not copied once more.
   */
  sealSegment(index: number, final: boolean, plaintext: Uint8Array): [ciphertext: Buffer, tag: Buffer] {
    const cipher = createCipheriv('aes-256-gcm', this.#liveKey(), this.#segmentNonce(index, final), {
      authTagLength: STREAM_TAG_BYTES,
    });
    cipher.setAAD(this.#segmentAad(index, final));
    const ciphertext = cipher.update(plaintext);
    cipher.final();
    return [ciphertext, cipher.getAuthTag()];
  }

  /**
   * Decrypts and authenticates one segment (ciphertext plus tag). Throws `decryption_failed` when
   * the segment was altered, moved to another index, or its final flag differs, which is how a
   * reordered, truncated or extended stream shows.
   */
  openSegment(index: number, final: boolean, segment: Uint8Array): Buffer {
    if (segment.length < STREAM_TAG_BYTES) {
      throw new PhiCryptoError(
        'ciphertext_truncated',
        `segment ${index} of ${describeStreamContext(this.context)} has ${segment.length} bytes, less than its tag`,
      );
    }
    const body = segment.subarray(0, segment.length - STREAM_TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', this.#liveKey(), this.#segmentNonce(index, final), {
      authTagLength: STREAM_TAG_BYTES,
    });
    decipher.setAAD(this.#segmentAad(index, final));
    decipher.setAuthTag(segment.subarray(segment.length - STREAM_TAG_BYTES));
    const plaintext = decipher.update(body);
    try {
      decipher.final();
      return plaintext;
    } catch (cause) {
      plaintext.fill(0);
      throw new PhiCryptoError(
        'decryption_failed',
        `authentication failed for segment ${index}${final ? ' (final)' : ''} of ${describeStreamContext(this.context)}: ` +
          'the stream was altered, reordered, truncated or extended',
        { cause, details: { tenantId: this.context.tenantId, keyVersion: this.header.keyVersion } },
      );
    }
  }

  /** Zeroes the derived key; later segment operations throw `key_destroyed`. */
  destroy(): void {
    zeroize(this.#key, this.#commitment);
    this.#destroyed = true;
  }

  #liveKey(): Buffer {
    if (this.#destroyed) {
      throw new PhiCryptoError(
        'key_destroyed',
        `the content key of ${describeStreamContext(this.context)} was released; open the stream again`,
      );
    }
    return this.#key;
  }

  // Nonce of segment i: the 7-byte random prefix, i as 4 bytes big-endian, then the final flag.
  // Both buffers are reused: Node copies the nonce, and GCM absorbs the AAD inside setAAD.
  #segmentNonce(index: number, final: boolean): Buffer {
    this.#nonce.writeUInt32BE(index, 7);
    this.#nonce[11] = final ? 1 : 0;
    return this.#nonce;
  }

  #segmentAad(index: number, final: boolean): Buffer {
    const tail = this.#aad.length - 5;
    this.#aad.writeUInt32BE(index, tail);
    this.#aad[tail + 4] = final ? 1 : 0;
    return this.#aad;
  }
}
