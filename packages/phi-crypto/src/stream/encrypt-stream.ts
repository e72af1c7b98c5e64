import { Buffer } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { PhiCryptoError } from '../errors.js';
import {
  assertSegmentSize,
  buildStreamHeader,
  DEFAULT_SEGMENT_SIZE,
  MAX_SEGMENTS,
  parseStreamHeader,
  STREAM_NONCE_PREFIX_BYTES,
  STREAM_SALT_BYTES,
  type StreamHeader,
} from './stream-format.js';
import { assertStreamContext, type StreamContext, StreamKey, type StreamKeySource } from './stream-key.js';

export interface EncryptStreamOptions {
  /** Plaintext bytes per segment; default `DEFAULT_SEGMENT_SIZE` (64 KiB). */
  segmentSize?: number;
}

/**
 * A Transform from plaintext to the segmented stream format: it writes the header first, then
 * one segment per `segmentSize` bytes of input. It holds at most one segment of plaintext,
 * because a full segment is sealed only when more input arrives (as a non-final segment) or the
 * input ends (as the final one).
 */
export class EncryptStream extends Transform {
  /** The header as written, which callers may store beside the ciphertext. */
  readonly header: StreamHeader;
  readonly keyVersion: number;
  #key: StreamKey | undefined;
  readonly #pending: Buffer;
  #filled = 0;
  #index = 0;
  #headerSent = false;
  #plaintextBytes = 0;
  #ciphertextBytes = 0;

  constructor(key: StreamKey) {
    super();
    this.#key = key;
    this.header = key.header;
    this.keyVersion = key.header.keyVersion;
    this.#pending = Buffer.allocUnsafe(key.header.segmentSize);
  }

  /** Plaintext bytes consumed so far. */
  get plaintextBytes(): number {
    return this.#plaintextBytes;
  }

  /** Ciphertext bytes produced so far, header included. */
  get ciphertextBytes(): number {
    return this.#ciphertextBytes;
  }

  override _transform(chunk: Buffer | string, encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      const input = typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk;
      this.#sendHeader();
      let offset = 0;
      while (offset < input.length) {
        if (this.#filled === this.#pending.length) {
          this.#sealPending(false);
        }
        const take = Math.min(this.#pending.length - this.#filled, input.length - offset);
        input.copy(this.#pending, this.#filled, offset, offset + take);
        this.#filled += take;
        offset += take;
      }
      this.#plaintextBytes += input.length;
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.#sendHeader();
      this.#sealPending(true);
      this.#release();
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#release();
    callback(error);
  }

  #sendHeader(): void {
    if (!this.#headerSent) {
      this.#headerSent = true;
      this.#ciphertextBytes += this.header.bytes.length;
      this.push(Buffer.from(this.header.bytes));
    }
  }

  #sealPending(final: boolean): void {
    const key = this.#key;
    if (key === undefined) {
      throw new PhiCryptoError('key_destroyed', 'the stream encryptor was already finished or destroyed');
    }
    if (this.#index >= MAX_SEGMENTS) {
      throw new PhiCryptoError(
        'value_too_large',
        `the stream has more than 2^32 segments of ${this.#pending.length} bytes; use a larger segment size`,
      );
    }
    const segment = key.sealSegment(this.#index, final, this.#pending.subarray(0, this.#filled));
    this.#index += 1;
    this.#filled = 0;
    this.#ciphertextBytes += segment.length;
    this.push(segment);
  }

  #release(): void {
    this.#key?.destroy();
    this.#key = undefined;
    this.#pending.fill(0);
  }
}

/**
 * Starts the encryption of one stream under the tenant's newest data key. Each call counts one
 * encryption against the data key's usage limit; the segments are encrypted under a content key
 * derived for this stream alone.
 */
export async function createEncryptStream(
  keys: StreamKeySource,
  context: StreamContext,
  options: EncryptStreamOptions = {},
): Promise<EncryptStream> {
  assertStreamContext(context);
  const segmentSize = options.segmentSize ?? DEFAULT_SEGMENT_SIZE;
  assertSegmentSize(segmentSize);
  const dataKey = await keys.encryptionKey(context.tenantId);
  const header = parseStreamHeader(
    buildStreamHeader({
      keyVersion: dataKey.version,
      segmentSize,
      salt: randomBytes(STREAM_SALT_BYTES),
      noncePrefix: randomBytes(STREAM_NONCE_PREFIX_BYTES),
    }),
  );
  return new EncryptStream(StreamKey.forEncryption(dataKey, header, context));
}
