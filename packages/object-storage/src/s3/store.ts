import { Readable } from 'node:stream';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { bodyBytes, bodyChunks } from '../body.js';
import { lengthMismatchError, ObjectStorageError } from '../errors.js';
import { DEFAULT_CONTENT_TYPE, validateObjectHeaders } from '../headers.js';
import { normalizeKey, normalizePrefix } from '../keys.js';
import { createTracker, type TrackCall } from '../observe.js';
import { rangeHeader } from '../ranges.js';
import type {
  CopyOptions,
  CopyResult,
  DeleteManyResult,
  GetOptions,
  GetResult,
  ListedObject,
  ListOptions,
  ObjectInfo,
  ObjectStore,
  ObjectStoreObserver,
  PresignedRequest,
  PresignOptions,
  PresignPutOptions,
  PutBody,
  PutOptions,
  PutResult,
} from '../types.js';
import { encodeKeyPath, joinKeyUrl, validateContentLength } from '../urls.js';
import { createS3Client, type S3ConnectionConfig } from './client.js';
import { translateS3Error } from './errors.js';
import { listObjects } from './list.js';
import { presignGet, presignPut } from './presign.js';
import {
  MIN_PART_SIZE,
  putSinglePart,
  quoteEtag,
  type StreamUploadRequest,
  unquoteEtag,
  uploadStream,
} from './upload.js';

/** DeleteObjects accepts at most 1000 keys per request. */
const DELETE_BATCH_SIZE = 1000;

export interface S3ObjectStoreConfig extends S3ConnectionConfig {
  bucket: string;
  /** Public base URL of the bucket behind a CDN; `readUrl` returns URLs under it instead of presigning. */
  cdnUrl?: string;
  /** Part size of multipart uploads in bytes, at least 5 MiB. Defaults to 8 MiB. */
  partSizeBytes?: number;
  /** Parts uploaded in parallel. Part buffers take at most `max(queueSize, 2) × partSizeBytes`. Defaults to 3. */
  queueSize?: number;
  observer?: ObjectStoreObserver;
}

/** `ObjectStore` on any S3-compatible store: Cloudflare R2, MinIO, LocalStack or AWS S3. */
export class S3ObjectStore implements ObjectStore {
  readonly driver = 's3';
  readonly bucket: string;
  private readonly client: S3Client;
  private readonly presignClient: S3Client;
  private readonly track: TrackCall;
  private readonly partSize: number;
  private readonly queueSize: number;

  constructor(private readonly config: S3ObjectStoreConfig) {
    this.bucket = config.bucket;
    this.partSize = config.partSizeBytes ?? 8 * 1024 * 1024;
    this.queueSize = config.queueSize ?? 3;
    if (!Number.isSafeInteger(this.partSize) || this.partSize < MIN_PART_SIZE) {
      throw new ObjectStorageError(
        'invalid_argument',
        `partSizeBytes ${this.partSize} is below the S3 minimum part size of ${MIN_PART_SIZE} bytes (5 MiB).`,
      );
    }
    if (!Number.isSafeInteger(this.queueSize) || this.queueSize < 1) {
      throw new ObjectStorageError(
        'invalid_argument',
        `queueSize ${this.queueSize} must be a positive integer.`,
      );
    }
    this.client = createS3Client(config);
    this.presignClient = createS3Client(config, { presigning: true });
    this.track = createTracker(config.observer);
  }

  put(key: string, body: PutBody, options: PutOptions = {}): Promise<PutResult> {
    return this.track('put', async () => {
      const normalized = normalizeKey(key);
      validateObjectHeaders(options);
      validateContentLength(options.contentLength);
      const request: StreamUploadRequest = {
        client: this.client,
        bucket: this.bucket,
        key: normalized,
        objectFields: {
          ContentType: options.contentType ?? DEFAULT_CONTENT_TYPE,
          ...(options.contentDisposition === undefined
            ? {}
            : { ContentDisposition: options.contentDisposition }),
          ...(options.cacheControl === undefined ? {} : { CacheControl: options.cacheControl }),
          ...(options.metadata === undefined ? {} : { Metadata: options.metadata }),
        },
        partSize: this.partSize,
        queueSize: this.queueSize,
        ...(options.ifNoneMatch === undefined ? {} : { ifNoneMatch: options.ifNoneMatch }),
        ...(options.ifMatch === undefined ? {} : { ifMatch: options.ifMatch }),
        ...(options.contentLength === undefined ? {} : { contentLength: options.contentLength }),
        ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
      };
      const bytes = bodyBytes(body);
      if (
        bytes !== undefined &&
        options.contentLength !== undefined &&
        bytes.length !== options.contentLength
      ) {
        throw lengthMismatchError(normalized, options.contentLength, String(bytes.length));
      }
      if (bytes !== undefined && bytes.length <= this.partSize) {
        return putSinglePart(bytes, request);
      }
      return uploadStream(bodyChunks(body), request);
    });
  }

  get(key: string, options: GetOptions = {}): Promise<GetResult> {
    return this.track('get', async () => {
      const normalized = normalizeKey(key);
      const range = options.range === undefined ? undefined : rangeHeader(options.range, normalized);
      try {
        const output = await this.client.send(
          new GetObjectCommand({
            Bucket: this.bucket,
            Key: normalized,
            ...(range === undefined ? {} : { Range: range }),
            ...(options.ifMatch === undefined ? {} : { IfMatch: quoteEtag(options.ifMatch) }),
          }),
        );
        if (!(output.Body instanceof Readable)) {
          throw new ObjectStorageError(
            'invalid_response',
            `GetObject for "${normalized}" returned no Node.js stream body; the SDK runtime is not Node.js.`,
            { key: normalized },
          );
        }
        const body = output.Body;
        const contentRange = parseContentRange(output.ContentRange);
        const contentLength = output.ContentLength ?? 0;
        return {
          key: normalized,
          body,
          contentLength,
          size: contentRange?.size ?? contentLength,
          etag: unquoteEtag(output.ETag),
          contentType: output.ContentType ?? DEFAULT_CONTENT_TYPE,
          ...optionalHeaders(output),
          metadata: output.Metadata ?? {},
          lastModified: output.LastModified ?? new Date(0),
          ...(contentRange === undefined
            ? {}
            : { range: { start: contentRange.start, end: contentRange.end } }),
        };
      } catch (error) {
        throw translateS3Error(error, { operation: 'GetObject', bucket: this.bucket, key: normalized });
      }
    });
  }

  head(key: string): Promise<ObjectInfo | null> {
    return this.track('head', async () => {
      const normalized = normalizeKey(key);
      try {
        const output = await this.client.send(
          new HeadObjectCommand({ Bucket: this.bucket, Key: normalized }),
        );
        return {
          key: normalized,
          size: output.ContentLength ?? 0,
          etag: unquoteEtag(output.ETag),
          contentType: output.ContentType ?? DEFAULT_CONTENT_TYPE,
          ...optionalHeaders(output),
          metadata: output.Metadata ?? {},
          lastModified: output.LastModified ?? new Date(0),
        };
      } catch (error) {
        const failure = translateS3Error(error, {
          operation: 'HeadObject',
          bucket: this.bucket,
          key: normalized,
        });
        if (failure.code === 'not_found') {
          return null;
        }
        throw failure;
      }
    });
  }

  delete(key: string): Promise<void> {
    return this.track('delete', async () => {
      const normalized = normalizeKey(key);
      try {
        await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: normalized }));
      } catch (error) {
        throw translateS3Error(error, {
          operation: 'DeleteObject',
          bucket: this.bucket,
          key: normalized,
          notFound: 'bucket_not_found',
        });
      }
    });
  }

  deleteMany(keys: readonly string[]): Promise<DeleteManyResult> {
    return this.track('delete_many', async () => {
      const result: DeleteManyResult = { deleted: [], failed: [] };
      const valid: string[] = [];
      for (const key of keys) {
        try {
          valid.push(normalizeKey(key));
        } catch (error) {
          const failure = error as ObjectStorageError;
          result.failed.push({ key, code: failure.code, message: failure.message });
        }
      }
      for (let start = 0; start < valid.length; start += DELETE_BATCH_SIZE) {
        const batch = valid.slice(start, start + DELETE_BATCH_SIZE);
        try {
          const output = await this.client.send(
            new DeleteObjectsCommand({
              Bucket: this.bucket,
              Delete: { Objects: batch.map((key) => ({ Key: key })), Quiet: true },
            }),
          );
          const failedKeys = new Set<string>();
          for (const entry of output.Errors ?? []) {
            const key = entry.Key ?? '';
            failedKeys.add(key);
            const storeCode = entry.Code ?? 'Unknown';
            result.failed.push({
              key,
              code: translateS3Error(
                { name: storeCode, message: entry.Message, $metadata: {} },
                {
                  operation: 'DeleteObjects',
                  bucket: this.bucket,
                  key,
                },
              ).code,
              message: `${storeCode}: ${entry.Message ?? 'no message'}`,
            });
          }
          result.deleted.push(...batch.filter((key) => !failedKeys.has(key)));
        } catch (error) {
          // The whole request failed; report this batch and the ones not attempted, since the store is unusable.
          const failure = translateS3Error(error, { operation: 'DeleteObjects', bucket: this.bucket });
          for (const key of valid.slice(start)) {
            result.failed.push({ key, code: failure.code, message: failure.message });
          }
          break;
        }
      }
      return result;
    });
  }

  list(prefix: string, options: ListOptions = {}): AsyncIterable<ListedObject> {
    return listObjects(this.client, this.bucket, normalizePrefix(prefix), options, this.track);
  }

  copy(sourceKey: string, destinationKey: string, options: CopyOptions = {}): Promise<CopyResult> {
    return this.track('copy', async () => {
      const source = normalizeKey(sourceKey);
      const destination = normalizeKey(destinationKey);
      validateObjectHeaders(options);
      const replace = options.metadataDirective === 'replace';
      try {
        const output = await this.client.send(
          new CopyObjectCommand({
            Bucket: this.bucket,
            Key: destination,
            CopySource: `${encodeURIComponent(this.bucket)}/${encodeKeyPath(source)}`,
            MetadataDirective: replace ? 'REPLACE' : 'COPY',
            ...(options.ifSourceMatch === undefined
              ? {}
              : { CopySourceIfMatch: quoteEtag(options.ifSourceMatch) }),
            ...(replace
              ? {
                  ContentType: options.contentType ?? DEFAULT_CONTENT_TYPE,
                  ...(options.contentDisposition === undefined
                    ? {}
                    : { ContentDisposition: options.contentDisposition }),
                  ...(options.cacheControl === undefined ? {} : { CacheControl: options.cacheControl }),
                  Metadata: options.metadata ?? {},
                }
              : {}),
          }),
        );
        return { key: destination, etag: unquoteEtag(output.CopyObjectResult?.ETag) };
      } catch (error) {
        throw translateS3Error(error, { operation: 'CopyObject', bucket: this.bucket, key: source });
      }
    });
  }

  presignedGetUrl(key: string, options: PresignOptions): Promise<PresignedRequest> {
    return presignGet(this.presignClient, this.bucket, normalizeKey(key), options);
  }

  presignedPutUrl(key: string, options: PresignPutOptions): Promise<PresignedRequest> {
    validateObjectHeaders({
      contentType: options.contentType,
      ...(options.contentDisposition === undefined ? {} : { contentDisposition: options.contentDisposition }),
    });
    return presignPut(this.presignClient, this.bucket, normalizeKey(key), options);
  }

  async readUrl(key: string, options: PresignOptions): Promise<string> {
    const normalized = normalizeKey(key);
    if (this.config.cdnUrl !== undefined) {
      return joinKeyUrl(this.config.cdnUrl, normalized);
    }
    return (await this.presignedGetUrl(normalized, options)).url;
  }

  checkBucket(): Promise<void> {
    return this.track('check_bucket', async () => {
      try {
        // NOTE: whether R2 allows HeadBucket for API tokens scoped to object permissions is unverified.
        await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
      } catch (error) {
        throw translateS3Error(error, {
          operation: 'HeadBucket',
          bucket: this.bucket,
          notFound: 'bucket_not_found',
        });
      }
    });
  }

  async close(): Promise<void> {
    this.client.destroy();
    this.presignClient.destroy();
  }
}

function optionalHeaders(output: { ContentDisposition?: string; CacheControl?: string }): {
  contentDisposition?: string;
  cacheControl?: string;
} {
  return {
    ...(output.ContentDisposition === undefined ? {} : { contentDisposition: output.ContentDisposition }),
    ...(output.CacheControl === undefined ? {} : { cacheControl: output.CacheControl }),
  };
}

function parseContentRange(
  value: string | undefined,
): { start: number; end: number; size: number } | undefined {
  const match = value === undefined ? null : /^bytes (\d+)-(\d+)\/(\d+)$/.exec(value);
  if (match === null) {
    return undefined;
  }
  return { start: Number(match[1]), end: Number(match[2]), size: Number(match[3]) };
}
