import type { PutBody } from './types.js';

/** Returns the body as bytes when it is already in memory, or undefined for a stream. */
export function bodyBytes(body: PutBody): Buffer | undefined {
  if (Buffer.isBuffer(body)) {
    return body;
  }
  if (body instanceof Uint8Array) {
    return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  }
  return undefined;
}

/** Iterates a body's chunks as Buffers. Readable streams in string mode are converted to UTF-8 bytes. */
export async function* bodyChunks(body: PutBody): AsyncGenerator<Buffer> {
  const bytes = bodyBytes(body);
  if (bytes !== undefined) {
    yield bytes;
    return;
  }
  for await (const chunk of body as AsyncIterable<Uint8Array | string>) {
    if (typeof chunk === 'string') {
      yield Buffer.from(chunk, 'utf8');
    } else if (Buffer.isBuffer(chunk)) {
      yield chunk;
    } else {
      yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    }
  }
}

/**
 * Part buffers that are reused once their upload finished. Without reuse every part is a fresh large
 * allocation, and freed parts stay resident until the garbage collector runs, which lets a long
 * upload's RSS grow well past the parts actually in flight.
 */
export class PartBufferPool {
  private readonly free: Buffer[] = [];

  constructor(readonly partSize: number) {}

  acquire(): Buffer {
    return this.free.pop() ?? Buffer.allocUnsafe(this.partSize);
  }

  /** Returns a full part's buffer to the pool; the caller must not touch it afterwards. Shorter parts are dropped. */
  release(part: Buffer): void {
    if (part.length === this.partSize) {
      this.free.push(part);
    }
  }
}

/**
 * Cuts a stream into parts of exactly `pool.partSize` bytes, except the last, which is shorter (or
 * empty when the whole stream is empty). Each chunk is copied once into a pooled part buffer, taken
 * only when the first byte of the part arrives, so the generator itself keeps at most one part.
 */
export async function* readParts(
  chunks: AsyncIterable<Buffer>,
  pool: PartBufferPool,
): AsyncGenerator<Buffer> {
  const partSize = pool.partSize;
  let part: Buffer | undefined;
  let filled = 0;
  let yielded = false;
  for await (const chunk of chunks) {
    let offset = 0;
    while (offset < chunk.length) {
      part ??= pool.acquire();
      const copied = chunk.copy(part, filled, offset, Math.min(chunk.length, offset + partSize - filled));
      filled += copied;
      offset += copied;
      if (filled === partSize) {
        yield part;
        yielded = true;
        part = undefined;
        filled = 0;
      }
    }
  }
  if (part !== undefined) {
    yield part.subarray(0, filled);
  } else if (!yielded) {
    yield Buffer.alloc(0);
  }
}
