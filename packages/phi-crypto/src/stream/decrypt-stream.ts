import { Buffer } from 'node:buffer';
import { Transform, type TransformCallback } from 'node:stream';
import { PhiCryptoError } from '../errors.js';
import {
  type PlaintextRange,
  parseStreamHeader,
  planStreamRange,
  STREAM_HEADER_BYTES,
  STREAM_TAG_BYTES,
  type StreamHeader,
  type StreamRangePlan,
} from './stream-format.js';
import {
  assertStreamContext,
  describeStreamContext,
  type StreamContext,
  StreamKey,
  type StreamKeySource,
} from './stream-key.js';

/**
 * A Transform from a whole encrypted stream (header first) to its plaintext. Each segment is
 * authenticated before any of its bytes are passed on. A full segment is decrypted as non-final
 * only once more input arrives, so memory stays at one segment, and a stream cut at a segment
 * boundary fails because its last segment was not sealed as final.
 */
export class DecryptStream extends Transform {
  readonly #keys: StreamKeySource;
  readonly #context: StreamContext;
  #headerBytes: Buffer = Buffer.alloc(0);
  #key: StreamKey | undefined;
  #segment: Buffer = Buffer.alloc(0);
  #filled = 0;
  #index = 0;

  constructor(keys: StreamKeySource, context: StreamContext) {
    super();
    assertStreamContext(context);
    this.#keys = keys;
    this.#context = context;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#consume(chunk).then(() => callback(), callback);
  }

  override _flush(callback: TransformCallback): void {
    try {
      const key = this.#key;
      if (key === undefined) {
        throw truncated(this.#context, `the input ended inside the ${STREAM_HEADER_BYTES}-byte header`);
      }
      if (this.#filled < STREAM_TAG_BYTES) {
        throw truncated(this.#context, `the input ended inside segment ${this.#index}`);
      }
      this.push(key.openSegment(this.#index, true, this.#segment.subarray(0, this.#filled)));
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

  async #consume(chunk: Buffer): Promise<void> {
    let input = chunk;
    if (this.#key === undefined) {
      const needed = STREAM_HEADER_BYTES - this.#headerBytes.length;
      this.#headerBytes = Buffer.concat([this.#headerBytes, input.subarray(0, needed)]);
      input = input.subarray(needed);
      if (this.#headerBytes.length < STREAM_HEADER_BYTES) {
        return;
      }
      const header = parseStreamHeader(this.#headerBytes);
      const dataKey = await this.#keys.decryptionKey(this.#context.tenantId, header.keyVersion);
      this.#key = StreamKey.forDecryption(dataKey, header, this.#context);
      this.#segment = Buffer.allocUnsafe(header.segmentSize + STREAM_TAG_BYTES);
    }
    const key = this.#key;
    let offset = 0;
    while (offset < input.length) {
      if (this.#filled === this.#segment.length) {
        this.push(key.openSegment(this.#index, false, this.#segment));
        this.#index += 1;
        this.#filled = 0;
      }
      const take = Math.min(this.#segment.length - this.#filled, input.length - offset);
      input.copy(this.#segment, this.#filled, offset, offset + take);
      this.#filled += take;
      offset += take;
    }
  }

  #release(): void {
    this.#key?.destroy();
    this.#key = undefined;
  }
}

/** Creates a Transform that decrypts a whole stream of `context`; see `DecryptStream`. */
export function createDecryptStream(keys: StreamKeySource, context: StreamContext): DecryptStream {
  return new DecryptStream(keys, context);
}

/**
 * Decrypts a byte range synchronously: `update` takes exactly the ciphertext bytes
 * `plan.ciphertextStart` to `plan.ciphertextEnd`, in pieces of any size, and returns the plaintext
 * of each segment once it is authenticated, trimmed to the range. `final` throws when bytes are
 * missing. It keeps one segment in memory.
 */
export class RangeDecryptor {
  readonly plan: StreamRangePlan;
  #key: StreamKey | undefined;
  readonly #context: StreamContext;
  readonly #segment: Buffer;
  #segmentLength: number;
  #filled = 0;
  #index: number;
  #skip: number;
  #remaining: number;

  constructor(key: StreamKey, plan: StreamRangePlan) {
    this.#key = key;
    this.#context = key.context;
    this.plan = plan;
    this.#segment = Buffer.allocUnsafe(key.header.segmentSize + STREAM_TAG_BYTES);
    this.#index = plan.firstSegment;
    this.#segmentLength = this.#lengthOf(plan.firstSegment);
    this.#skip = plan.skipBytes;
    this.#remaining = plan.lengthBytes;
  }

  update(input: Uint8Array): Buffer[] {
    const key = this.#requireKey();
    const out: Buffer[] = [];
    let offset = 0;
    while (offset < input.length) {
      if (this.#index > this.plan.lastSegment) {
        throw new PhiCryptoError(
          'malformed_ciphertext',
          `the ranged read of ${describeStreamContext(this.#context)} returned more bytes than requested`,
        );
      }
      const take = Math.min(this.#segmentLength - this.#filled, input.length - offset);
      this.#segment.set(input.subarray(offset, offset + take), this.#filled);
      this.#filled += take;
      offset += take;
      if (this.#filled === this.#segmentLength) {
        const part = this.#openSegment(key);
        if (part.length > 0) {
          out.push(part);
        }
      }
    }
    return out;
  }

  /** Throws `ciphertext_truncated` unless every planned segment arrived; releases the key. */
  final(): void {
    const complete = this.#index > this.plan.lastSegment;
    this.destroy();
    if (!complete) {
      throw truncated(this.#context, `the ranged read ended inside segment ${this.#index}`);
    }
  }

  destroy(): void {
    this.#key?.destroy();
    this.#key = undefined;
  }

  #openSegment(key: StreamKey): Buffer {
    const final = this.#index === this.plan.finalSegment;
    const plaintext = key.openSegment(this.#index, final, this.#segment.subarray(0, this.#segmentLength));
    const end = Math.min(plaintext.length, this.#skip + this.#remaining);
    const part = plaintext.subarray(this.#skip, end);
    this.#remaining -= part.length;
    this.#skip = 0;
    this.#index += 1;
    this.#filled = 0;
    this.#segmentLength = this.#lengthOf(this.#index);
    return part;
  }

  #lengthOf(index: number): number {
    const segmentSize = this.#segment.length - STREAM_TAG_BYTES;
    if (index === this.plan.finalSegment) {
      return this.plan.plaintextBytes - index * segmentSize + STREAM_TAG_BYTES;
    }
    return this.#segment.length;
  }

  #requireKey(): StreamKey {
    if (this.#key === undefined) {
      throw new PhiCryptoError('key_destroyed', 'the range decryptor was already finished or destroyed');
    }
    return this.#key;
  }
}

/** A Transform that decrypts a byte range; see `RangeDecryptor`. */
export class RangeDecryptStream extends Transform {
  readonly #decryptor: RangeDecryptor;

  constructor(decryptor: RangeDecryptor) {
    super();
    this.#decryptor = decryptor;
  }

  get plan(): StreamRangePlan {
    return this.#decryptor.plan;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      for (const part of this.#decryptor.update(chunk)) {
        this.push(part);
      }
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.#decryptor.final();
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#decryptor.destroy();
    callback(error);
  }
}

/**
 * Opens a plaintext range of a stored stream whose header and total ciphertext size are known
 * (for example kept in a database row). Returns the plan, which names the ciphertext bytes to
 * fetch, and the decryptor to pipe them through. Checks the key commitment first.
 */
export async function createRangeDecryptor(
  keys: StreamKeySource,
  context: StreamContext,
  input: { header: Uint8Array | StreamHeader; ciphertextBytes: number; range: PlaintextRange },
): Promise<RangeDecryptor> {
  assertStreamContext(context);
  const header = input.header instanceof Uint8Array ? parseStreamHeader(input.header) : input.header;
  const plan = planStreamRange(header, input.ciphertextBytes, input.range);
  const dataKey = await keys.decryptionKey(context.tenantId, header.keyVersion);
  return new RangeDecryptor(StreamKey.forDecryption(dataKey, header, context), plan);
}

/** Like `createRangeDecryptor`, as a Transform. */
export async function createRangeDecryptStream(
  keys: StreamKeySource,
  context: StreamContext,
  input: { header: Uint8Array | StreamHeader; ciphertextBytes: number; range: PlaintextRange },
): Promise<RangeDecryptStream> {
  return new RangeDecryptStream(await createRangeDecryptor(keys, context, input));
}

function truncated(context: StreamContext, reason: string): PhiCryptoError {
  return new PhiCryptoError(
    'ciphertext_truncated',
    `the encrypted stream of ${describeStreamContext(context)} is incomplete: ${reason}`,
    { details: { tenantId: context.tenantId } },
  );
}
