import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { PartBufferPool, readParts } from '../body.js';
import { lengthMismatchError, ObjectStorageError, sourceStreamError } from '../errors.js';
import type { PutResult } from '../types.js';
import { translateS3Error } from './errors.js';

/** S3 and R2 allow at most 10,000 parts per multipart upload. */
export const MAX_PARTS = 10_000;
/** S3 and R2 reject parts under 5 MiB, except the last. */
export const MIN_PART_SIZE = 5 * 1024 * 1024;

export interface StreamUploadRequest {
  client: S3Client;
  bucket: string;
  key: string;
  /** Headers of the object, passed to PutObject or CreateMultipartUpload. */
  objectFields: {
    ContentType: string;
    ContentDisposition?: string;
    CacheControl?: string;
    Metadata?: Record<string, string>;
  };
  ifNoneMatch?: '*';
  ifMatch?: string;
  contentLength?: number;
  partSize: number;
  queueSize: number;
  onProgress?: (progress: { bytes: number }) => void;
}

/**
 * Uploads a stream of unknown length with memory bounded by `max(queueSize, 2)` part buffers, which
 * are reused from part to part. A part's buffer returns to the pool before the next part is read.
 *
 * The stream is cut into equal parts, as R2 requires. Every part is a Buffer, so the SDK can retry a
 * part after a 5xx or a dropped connection. The source stream itself is never replayed. A stream that
 * fits in one part becomes a single PutObject. On any failure (a part, the source stream, a wrong
 * declared length, CompleteMultipartUpload) the multipart upload is aborted before the error is
 * thrown, so neither an object nor a pending upload remains.
 */
export async function uploadStream(
  chunks: AsyncIterable<Buffer>,
  request: StreamUploadRequest,
): Promise<PutResult> {
  const partSize = choosePartSize(request);
  const pool = new PartBufferPool(partSize);
  const parts = readParts(checkLength(chunks, request.contentLength, request.key), pool);
  try {
    const first = await readSource(parts, request.key);
    const second = first.done ? first : await readSource(parts, request.key);
    if (second.done) {
      return await putSinglePart(first.value ?? Buffer.alloc(0), request);
    }
    return await uploadParts(first.value, second.value, parts, pool, request);
  } finally {
    // Closes the source stream when the upload stopped early.
    await parts.return(undefined);
  }
}

function choosePartSize(request: StreamUploadRequest): number {
  if (request.contentLength === undefined) {
    return request.partSize;
  }
  return Math.max(request.partSize, Math.ceil(request.contentLength / MAX_PARTS));
}

export async function putSinglePart(body: Buffer, request: StreamUploadRequest): Promise<PutResult> {
  try {
    const output = await request.client.send(
      new PutObjectCommand({
        Bucket: request.bucket,
        Key: request.key,
        Body: body,
        ContentLength: body.length,
        ...request.objectFields,
        ...(request.ifNoneMatch === undefined ? {} : { IfNoneMatch: request.ifNoneMatch }),
        ...(request.ifMatch === undefined ? {} : { IfMatch: quoteEtag(request.ifMatch) }),
      }),
    );
    request.onProgress?.({ bytes: body.length });
    return { key: request.key, etag: unquoteEtag(output.ETag), size: body.length };
  } catch (error) {
    throw conditionalWriteError(
      translateS3Error(error, { operation: 'PutObject', bucket: request.bucket, key: request.key }),
      request,
    );
  }
}

/**
 * AWS rejects a write with If-Match on a missing key with 404 NoSuchKey, and R2 with 412. Both mean the
 * condition did not hold, so both become `precondition_failed`.
 */
function conditionalWriteError(
  failure: ObjectStorageError,
  request: StreamUploadRequest,
): ObjectStorageError {
  if (request.ifMatch === undefined || failure.code !== 'not_found') {
    return failure;
  }
  return new ObjectStorageError(
    'precondition_failed',
    `Precondition failed for "${request.key}": no object exists and ifMatch was given.`,
    { key: request.key, cause: failure },
  );
}

async function uploadParts(
  first: Buffer,
  second: Buffer,
  source: AsyncGenerator<Buffer>,
  pool: PartBufferPool,
  request: StreamUploadRequest,
): Promise<PutResult> {
  const { client, bucket, key } = request;
  const partSize = pool.partSize;
  let uploadId: string | undefined;
  const inFlight = new Set<Promise<void>>();
  try {
    const created = await client.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ...request.objectFields }),
    );
    if (created.UploadId === undefined) {
      throw new ObjectStorageError(
        'invalid_response',
        `CreateMultipartUpload for "${key}" returned no UploadId.`,
      );
    }
    uploadId = created.UploadId;
    const completed: Array<{ PartNumber: number; ETag: string }> = [];
    let failure: unknown;
    let partNumber = 0;
    let uploadedBytes = 0;

    const startPart = (body: Buffer): void => {
      partNumber += 1;
      if (partNumber > MAX_PARTS) {
        throw new ObjectStorageError(
          'upload_failed',
          `Upload of "${key}" needs more than ${MAX_PARTS} parts of ${partSize} bytes; pass contentLength or a larger part size.`,
          { key },
        );
      }
      const number = partNumber;
      const sent = client
        .send(
          new UploadPartCommand({
            Bucket: bucket,
            Key: key,
            UploadId: uploadId,
            PartNumber: number,
            Body: body,
            ContentLength: body.length,
          }),
        )
        .then((output) => {
          if (output.ETag === undefined) {
            throw new ObjectStorageError(
              'invalid_response',
              `UploadPart ${number} of "${key}" returned no ETag.`,
            );
          }
          completed.push({ PartNumber: number, ETag: output.ETag });
          uploadedBytes += body.length;
          // The request has finished, so the buffer can take the next part.
          pool.release(body);
          request.onProgress?.({ bytes: uploadedBytes });
        })
        .catch((error: unknown) => {
          failure ??= translateS3Error(error, { operation: 'UploadPart', bucket, key });
        })
        .finally(() => {
          inFlight.delete(sent);
        });
      inFlight.add(sent);
    };

    startPart(first);
    startPart(second);
    for (;;) {
      while (inFlight.size >= request.queueSize && failure === undefined) {
        await Promise.race(inFlight);
      }
      if (failure !== undefined) {
        throw failure;
      }
      const next = await readSource(source, key);
      if (next.done) {
        break;
      }
      startPart(next.value);
    }
    await Promise.all(inFlight);
    if (failure !== undefined) {
      throw failure;
    }

    completed.sort((left, right) => left.PartNumber - right.PartNumber);
    const output = await client
      .send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: key,
          UploadId: uploadId,
          MultipartUpload: { Parts: completed },
          ...(request.ifNoneMatch === undefined ? {} : { IfNoneMatch: request.ifNoneMatch }),
          ...(request.ifMatch === undefined ? {} : { IfMatch: quoteEtag(request.ifMatch) }),
        }),
      )
      .catch((error: unknown) => {
        throw conditionalWriteError(
          translateS3Error(error, { operation: 'CompleteMultipartUpload', bucket, key }),
          request,
        );
      });
    return { key, etag: unquoteEtag(output.ETag), size: uploadedBytes };
  } catch (error) {
    await Promise.allSettled(inFlight);
    throw await abortAfterFailure(error, request, uploadId);
  }
}

async function abortAfterFailure(
  error: unknown,
  request: StreamUploadRequest,
  uploadId: string | undefined,
): Promise<ObjectStorageError> {
  const { bucket, key } = request;
  const failure =
    error instanceof ObjectStorageError
      ? error
      : translateS3Error(error, { operation: 'CreateMultipartUpload', bucket, key });
  if (uploadId === undefined) {
    return failure;
  }
  try {
    await request.client.send(
      new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }),
    );
  } catch (abortError) {
    const abortFailure = translateS3Error(abortError, { operation: 'AbortMultipartUpload', bucket, key });
    return new ObjectStorageError(
      failure.code,
      `${failure.message} Aborting multipart upload ${uploadId} also failed (${abortFailure.message}); it stays pending until a bucket lifecycle rule removes it.`,
      { key, cause: failure },
    );
  }
  return new ObjectStorageError(
    failure.code,
    `${failure.message} The multipart upload was aborted, so no object and no pending upload remain.`,
    { key, cause: failure },
  );
}

/** Reads the next part; failures of the caller's stream become `upload_failed` (or `length_mismatch`). */
async function readSource(source: AsyncGenerator<Buffer>, key: string): Promise<IteratorResult<Buffer>> {
  try {
    return await source.next();
  } catch (error) {
    throw sourceStreamError(key, error);
  }
}

/** Passes chunks through and fails as soon as the byte count cannot match the declared length. */
async function* checkLength(
  chunks: AsyncIterable<Buffer>,
  declared: number | undefined,
  key: string,
): AsyncGenerator<Buffer> {
  let total = 0;
  for await (const chunk of chunks) {
    total += chunk.length;
    if (declared !== undefined && total > declared) {
      throw lengthMismatchError(key, declared, `more than ${declared}`);
    }
    yield chunk;
  }
  if (declared !== undefined && total !== declared) {
    throw lengthMismatchError(key, declared, String(total));
  }
}

export function unquoteEtag(etag: string | undefined): string {
  return (etag ?? '').replace(/^W\//, '').replace(/^"|"$/g, '');
}

export function quoteEtag(etag: string): string {
  return etag === '*' || etag.startsWith('"') ? etag : `"${etag}"`;
}
