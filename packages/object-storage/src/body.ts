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
 * Cuts a stream into parts of exactly `partSize` bytes, except the last, which is shorter (or empty
 * when the whole stream is empty). Each part is copied once into its own buffer, so memory use is one
 * part plus one chunk while the consumer holds no parts.
 */
export async function* readParts(chunks: AsyncIterable<Buffer>, partSize: number): AsyncGenerator<Buffer> {
  let part = Buffer.allocUnsafe(partSize);
  let filled = 0;
  let yielded = false;
  for await (const chunk of chunks) {
    let offset = 0;
    while (offset < chunk.length) {
      const copied = chunk.copy(part, filled, offset, Math.min(chunk.length, offset + partSize - filled));
      filled += copied;
      offset += copied;
      if (filled === partSize) {
        yield part;
        yielded = true;
        part = Buffer.allocUnsafe(partSize);
        filled = 0;
      }
    }
  }
  if (filled > 0 || !yielded) {
    yield part.subarray(0, filled);
  }
}
