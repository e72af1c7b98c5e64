import { Transform, type TransformCallback } from 'node:stream';
import { S3Error } from './errors.js';

const CRLF = Buffer.from('\r\n');
const MAX_LINE_BYTES = 4096;
/** S3 rejects aws-chunked bodies in which a chunk other than the last is under 8 KiB. */
export const MIN_CHUNK_BYTES = 8192;

type State = 'size' | 'data' | 'data-end' | 'trailer' | 'done';

/**
 * Decodes an `aws-chunked` body (`<hex size>\r\n<data>\r\n … 0\r\n<trailer lines>\r\n\r\n`) into the
 * object bytes and collects the trailer headers. Malformed framing, chunk signatures (the signed
 * streaming variants are not implemented) and undersized chunks fail the stream with an S3Error.
 */
export class AwsChunkedDecoder extends Transform {
  readonly trailers = new Map<string, string>();
  private state: State = 'size';
  private pending: Buffer = Buffer.alloc(0);
  private remaining = 0;
  private previousChunkSize: number | undefined;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.consume(chunk);
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    // The SDK ends a body without trailers right after the final "0\r\n", without the empty line.
    const endedAfterLastChunk =
      this.state === 'trailer' && this.pending.length === 0 && this.trailers.size === 0;
    if (this.state === 'done' || endedAfterLastChunk) {
      callback();
      return;
    }
    callback(incomplete('the body ended inside a chunk or before the final chunk'));
  }

  private consume(input: Buffer): void {
    let data = input;
    while (data.length > 0) {
      if (this.state === 'data') {
        const take = Math.min(this.remaining, data.length);
        this.push(data.subarray(0, take));
        this.remaining -= take;
        data = data.subarray(take);
        if (this.remaining === 0) {
          this.state = 'data-end';
        }
        continue;
      }
      if (this.state === 'done') {
        throw incomplete('data follows the final trailer');
      }
      const line = this.takeLine(data);
      if (line === undefined) {
        return;
      }
      data = line.rest;
      this.handleLine(line.text);
    }
  }

  /** Collects bytes up to the next CRLF; returns undefined (keeping the bytes) if there is none yet. */
  private takeLine(data: Buffer): { text: string; rest: Buffer } | undefined {
    const combined = this.pending.length === 0 ? data : Buffer.concat([this.pending, data]);
    const end = combined.indexOf(CRLF);
    if (end < 0) {
      if (combined.length > MAX_LINE_BYTES) {
        throw incomplete(`a chunk header or trailer line is longer than ${MAX_LINE_BYTES} bytes`);
      }
      this.pending = Buffer.from(combined);
      return undefined;
    }
    this.pending = Buffer.alloc(0);
    return { text: combined.subarray(0, end).toString('latin1'), rest: combined.subarray(end + 2) };
  }

  private handleLine(text: string): void {
    if (this.state === 'data-end') {
      if (text !== '') {
        throw incomplete('chunk data is longer than its declared size');
      }
      this.state = 'size';
      return;
    }
    if (this.state === 'trailer') {
      if (text === '') {
        this.state = 'done';
        return;
      }
      const separator = text.indexOf(':');
      if (separator <= 0) {
        throw incomplete(`trailer line "${text}" is not "name:value"`);
      }
      this.trailers.set(text.slice(0, separator).trim().toLowerCase(), text.slice(separator + 1).trim());
      return;
    }
    const [sizeText, ...extensions] = text.split(';');
    if (extensions.some((extension) => extension.startsWith('chunk-signature='))) {
      throw new S3Error(
        501,
        'NotImplemented',
        'Signed aws-chunked payloads (chunk-signature) are not implemented by this S3 peer.',
      );
    }
    if (sizeText === undefined || !/^[0-9a-fA-F]{1,16}$/.test(sizeText)) {
      throw incomplete(`chunk size "${sizeText ?? ''}" is not hexadecimal`);
    }
    const size = Number.parseInt(sizeText, 16);
    if (size === 0) {
      this.state = 'trailer';
      return;
    }
    if (this.previousChunkSize !== undefined && this.previousChunkSize < MIN_CHUNK_BYTES) {
      throw new S3Error(
        403,
        'InvalidChunkSizeError',
        `Only the last chunk is allowed to have a size less than ${MIN_CHUNK_BYTES} bytes`,
        {
          Chunk: String(this.previousChunkSize),
        },
      );
    }
    this.previousChunkSize = size;
    this.remaining = size;
    this.state = 'data';
  }
}

function incomplete(reason: string): S3Error {
  return new S3Error(400, 'IncompleteBody', `The aws-chunked body is malformed: ${reason}.`);
}
