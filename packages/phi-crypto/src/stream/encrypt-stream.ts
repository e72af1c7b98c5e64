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
 * Encrypts one stream into the segmented format, synchronously. `update` returns the ciphertext
 * that is ready: the header on the first call, then the ciphertext and tag of every segment that
 * became complete, as separate Buffers to concatenate in order. `final` returns the final
 * segment. It keeps at most one segment of plaintext, because a full segment is sealed only when
 * more input arrives (as a non-final segment) or the input ends (as the final one).
 */
export class StreamEncryptor {
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
    this.#key = key;
    this.header = key.header;
    this.keyVersion = key.header.keyVersion;
    this.#pending = Buffer.allocUnsafe(key.header.segmentSize);
  }

  /** Plaintext bytes consumed so far. */
  get plaintextBytes(): number {
    return this.#plaintextBytes;
  }

  /** Ciphertext bytes returned so far, header included. */
  get ciphertextBytes(): number {
    return this.#ciphertextBytes;
  }

  /** Takes plaintext and returns the ciphertext pieces that are ready, possibly none. */
  update(input: Uint8Array): Buffer[] {
    const out: Buffer[] = [];
    this.#sendHeader(out);
    let offset = 0;
    while (offset < input.length) {
      if (this.#filled === this.#pending.length) {
        out.push(...this.#sealPending(false));
      }
      const take = Math.min(this.#pending.length - this.#filled, input.length - offset);
      this.#pending.set(input.subarray(offset, offset + take), this.#filled);
      this.#filled += take;
      offset += take;
    }
    this.#plaintextBytes += input.length;
    return out;
  }

  /** Seals the final segment, returns the remaining ciphertext and releases the key. */
  final(): Buffer[] {
    const out: Buffer[] = [];
    this.#sendHeader(out);
    out.push(...this.#sealPending(true));
    this.destroy();
    return out;
  }

  /** Zeroes the content key and the buffered plaintext; the encryptor is unusable afterwards. */
  destroy(): void {
    this.#key?.destroy();
    this.#key = undefined;
    this.#pending.fill(0);
  }

  #sendHeader(out: Buffer[]): void {
    if (!this.#headerSent) {
      this.#headerSent = true;
      this.#ciphertextBytes += this.header.bytes.length;
      out.push(Buffer.from(this.header.bytes));
    }
  }

  #sealPending(final: boolean): [Buffer, Buffer] {
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
    this.#ciphertextBytes += segment[0].length + segment[1].length;
    return segment;
  }
}

/** A Transform from plaintext to the segmented stream format; see `StreamEncryptor`. */
export class EncryptStream extends Transform {
  readonly #encryptor: StreamEncryptor;

  constructor(encryptor: StreamEncryptor) {
    super();
    this.#encryptor = encryptor;
  }

  get header(): StreamHeader {
    return this.#encryptor.header;
  }

  get keyVersion(): number {
    return this.#encryptor.keyVersion;
  }

  get plaintextBytes(): number {
    return this.#encryptor.plaintextBytes;
  }

  get ciphertextBytes(): number {
    return this.#encryptor.ciphertextBytes;
  }

  override _transform(chunk: Buffer | string, encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      const input = typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk;
      for (const piece of this.#encryptor.update(input)) {
        this.push(piece);
      }
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      for (const piece of this.#encryptor.final()) {
        this.push(piece);
      }
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#encryptor.destroy();
    callback(error);
  }
}

/**
 * Starts the encryption of one stream under the tenant's newest data key. Each call counts one
 * encryption against the data key's usage limit; the segments are encrypted under a content key
 * derived for this stream alone.
 */
export async function createStreamEncryptor(
  keys: StreamKeySource,
  context: StreamContext,
  options: EncryptStreamOptions = {},
): Promise<StreamEncryptor> {
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
  return new StreamEncryptor(StreamKey.forEncryption(dataKey, header, context));
}

/** Like `createStreamEncryptor`, as a Transform. */
export async function createEncryptStream(
  keys: StreamKeySource,
  context: StreamContext,
  options: EncryptStreamOptions = {},
): Promise<EncryptStream> {
  return new EncryptStream(await createStreamEncryptor(keys, context, options));
}
