import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ObjectStore } from '@skillancer/object-storage';
import { createStreamEncryptor, type StreamContext, type StreamKeySource } from '@skillancer/phi-crypto';
import { AppError, badRequest } from '@skillancer/service-kit';
import { MAX_CHUNK_BYTES } from './recording-record.js';

const SHA256_HEX = /^[0-9a-fA-F]{64}$/;

/** The chunk a request delivered, once its body was stored encrypted and its digest checked. */
export interface StoredChunk {
  plaintextBytes: number;
  ciphertextBytes: number;
  sha256: Buffer;
  streamHeader: Buffer;
}

/** Parses the `x-content-sha256` header: the SHA-256 of the chunk body as 64 hex digits. */
export function parseContentSha256(header: string | string[] | undefined): Buffer {
  if (header === undefined) {
    throw badRequest(
      'missing_content_sha256',
      'Send the SHA-256 of the chunk body as 64 hex digits in the x-content-sha256 header',
    );
  }
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || !SHA256_HEX.test(value)) {
    throw badRequest(
      'invalid_content_sha256',
      'The x-content-sha256 header must be the SHA-256 of the body as 64 hex digits',
    );
  }
  return Buffer.from(value, 'hex');
}

/** Throws 413 early when a declared Content-Length is above the chunk limit. */
export function checkDeclaredLength(header: string | undefined): void {
  if (header !== undefined && Number(header) > MAX_CHUNK_BYTES) {
    throw tooLarge();
  }
}

function tooLarge(): AppError {
  return new AppError(
    413,
    'chunk_too_large',
    `A chunk may have at most ${MAX_CHUNK_BYTES} bytes (16 MiB); split the recording into smaller chunks`,
  );
}

function checksumMismatch(actual: Buffer, expected: Buffer): AppError {
  return badRequest(
    'checksum_mismatch',
    `The chunk body has SHA-256 ${actual.toString('hex')}, but x-content-sha256 says ${expected.toString('hex')}; ` +
      'the body was damaged in transit or the header is wrong, so nothing was stored. Send the chunk again',
  );
}

function emptyChunk(): AppError {
  return badRequest('empty_chunk', 'The chunk body is empty; send at least one byte');
}

/** Ciphertext handed to the store per write: segments are joined up to this size. */
const WRITE_BATCH_BYTES = 1024 * 1024;
/** Batches encrypted ahead of the store, so encryption overlaps the store's writes. */
const BATCHES_AHEAD = 2;

/**
 * Encrypts a chunk body on its way to the object store. The digest is checked before the final
 * segment is handed over, so a body whose SHA-256 differs from `expectedSha256`, or that exceeds
 * 16 MiB, fails the upload and no object is written. Memory stays at one segment, up to three
 * 1 MiB batches (one being filled, two read ahead) and the store's own part buffers.
 */
export async function storeEncryptedChunk(input: {
  store: ObjectStore;
  keys: StreamKeySource;
  context: StreamContext;
  objectKey: string;
  body: AsyncIterable<Uint8Array>;
  expectedSha256: Buffer;
  segmentSize: number;
}): Promise<StoredChunk> {
  const encryptor = await createStreamEncryptor(input.keys, input.context, {
    segmentSize: input.segmentSize,
  });
  const hash = createHash('sha256');
  let received = 0;
  let rejection: AppError | undefined;
  let digest: Buffer | undefined;

  async function* ciphertext(): AsyncGenerator<Buffer> {
    let batch: Buffer[] = [];
    let batchBytes = 0;
    const add = (pieces: Buffer[]): void => {
      for (const piece of pieces) {
        batch.push(piece);
        batchBytes += piece.length;
      }
    };
    const take = (): Buffer => {
      const joined = Buffer.concat(batch, batchBytes);
      batch = [];
      batchBytes = 0;
      return joined;
    };
    try {
      for await (const piece of input.body) {
        received += piece.length;
        if (received > MAX_CHUNK_BYTES) {
          rejection = tooLarge();
          throw rejection;
        }
        hash.update(piece);
        add(encryptor.update(piece));
        if (batchBytes >= WRITE_BATCH_BYTES) {
          yield take();
        }
      }
      digest = hash.digest();
      if (received === 0) {
        rejection = emptyChunk();
        throw rejection;
      }
      if (!digest.equals(input.expectedSha256)) {
        rejection = checksumMismatch(digest, input.expectedSha256);
        throw rejection;
      }
      add(encryptor.final());
      yield take();
    } finally {
      encryptor.destroy();
    }
  }

  try {
    const body = Readable.from(ciphertext(), { objectMode: true, highWaterMark: BATCHES_AHEAD });
    await input.store.put(input.objectKey, body, { contentType: 'application/octet-stream' });
  } catch (error) {
    throw rejection ?? error;
  }
  return {
    plaintextBytes: received,
    ciphertextBytes: encryptor.ciphertextBytes,
    sha256: digest ?? Buffer.alloc(0),
    streamHeader: Buffer.from(encryptor.header.bytes),
  };
}

/**
 * Reads a body that repeats an already stored chunk and returns its SHA-256 after checking it
 * against `expectedSha256`; nothing is stored.
 */
export async function digestBody(body: AsyncIterable<Uint8Array>, expectedSha256: Buffer): Promise<Buffer> {
  const hash = createHash('sha256');
  let received = 0;
  for await (const piece of body) {
    received += piece.length;
    if (received > MAX_CHUNK_BYTES) {
      throw tooLarge();
    }
    hash.update(piece);
  }
  if (received === 0) {
    throw emptyChunk();
  }
  const digest = hash.digest();
  if (!digest.equals(expectedSha256)) {
    throw checksumMismatch(digest, expectedSha256);
  }
  return digest;
}
