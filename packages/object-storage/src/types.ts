import type { Readable } from 'node:stream';
import type { ObjectStorageErrorCode } from './errors.js';

/** A body for `put`: bytes in memory, or a stream of unknown length. */
export type PutBody = Buffer | Uint8Array | Readable | AsyncIterable<Uint8Array>;

/** HTTP representation headers stored with an object and sent back on every GET. */
export interface ObjectHeaders {
  /** Stored as given; defaults to `application/octet-stream`. */
  contentType?: string;
  /** Set at upload time, because R2 ignores the `response-content-disposition` override on GET. */
  contentDisposition?: string;
  cacheControl?: string;
  /** User metadata: lowercase names of `[a-z0-9-]`, printable ASCII values, 2 KiB in total. */
  metadata?: Record<string, string>;
}

export interface PutOptions extends ObjectHeaders {
  /** Declared length in bytes; the upload fails with `length_mismatch` and leaves nothing behind if it differs. */
  contentLength?: number;
  /** `'*'` writes only if no object exists under the key (`precondition_failed` otherwise). */
  ifNoneMatch?: '*';
  /** Writes only if the current object has this ETag. */
  ifMatch?: string;
  /** Called after each part (S3) or chunk (filesystem) with the bytes stored so far. */
  onProgress?: (progress: { bytes: number }) => void;
}

export interface PutResult {
  key: string;
  etag: string;
  size: number;
}

/** Metadata of a stored object, as returned by `head` and `get`. */
export interface ObjectInfo {
  key: string;
  /** Full object size in bytes. */
  size: number;
  /** Entity tag without quotes. */
  etag: string;
  contentType: string;
  contentDisposition?: string;
  cacheControl?: string;
  metadata: Record<string, string>;
  lastModified: Date;
}

/** Inclusive byte range, as in HTTP `Range: bytes=start-end`. `end` defaults to the last byte. */
export type ByteRange = { start: number; end?: number } | { suffixLength: number };

export interface GetOptions {
  range?: ByteRange;
  /** Reads only if the object has this ETag (`precondition_failed` otherwise). */
  ifMatch?: string;
}

export interface GetResult extends ObjectInfo {
  /** The requested bytes. The caller must consume or destroy it. */
  body: Readable;
  /** Set for ranged reads: the inclusive range actually returned. */
  range?: { start: number; end: number };
  /** Length of `body` in bytes (equal to `size` unless a range was requested). */
  contentLength: number;
}

export interface ListedObject {
  key: string;
  size: number;
  etag: string;
  lastModified: Date;
}

export interface ListOptions {
  /** Page size asked of the store; the store may return fewer keys per page. */
  pageSize?: number;
  /** Lists keys after this one (exclusive). */
  startAfter?: string;
}

export interface DeleteFailure {
  key: string;
  code: ObjectStorageErrorCode;
  /** Failure description, including the store's own error code such as `AccessDenied`. */
  message: string;
}

export interface DeleteManyResult {
  /** Keys that no longer exist, including keys that did not exist before. */
  deleted: string[];
  failed: DeleteFailure[];
}

export interface CopyOptions extends ObjectHeaders {
  /** `'copy'` (default) keeps the source's headers and metadata; `'replace'` uses the ones given here. */
  metadataDirective?: 'copy' | 'replace';
  /** Copies only if the source object has this ETag. */
  ifSourceMatch?: string;
}

export interface CopyResult {
  key: string;
  etag: string;
}

export interface PresignOptions {
  /** Lifetime of the URL in seconds, 1 to 604800 (7 days, the S3 and R2 maximum). */
  expiresInSeconds: number;
}

export interface PresignPutOptions extends PresignOptions {
  /** Signed into the URL: the upload must send exactly this `Content-Type`. */
  contentType: string;
  /** Signed into the URL when given: the upload must send exactly this many bytes. */
  contentLength?: number;
  /** Signed into the URL when given: the upload must send exactly this `Content-Disposition`. */
  contentDisposition?: string;
}

/** A presigned upload: the client sends `method` to `url` with exactly `headers`. */
export interface PresignedRequest {
  url: string;
  method: 'PUT' | 'GET';
  headers: Record<string, string>;
  expiresAt: Date;
}

/** One outbound operation, reported to the observer once it finishes. */
export interface ObjectStoreCall {
  operation: string;
  durationSeconds: number;
  outcome: 'ok' | 'error';
  errorCode?: string;
}

export type ObjectStoreObserver = (call: ObjectStoreCall) => void;

/**
 * Object storage for one bucket. The S3 driver and the filesystem driver behave the same way; the
 * contract suite runs every case against both. All failures are `ObjectStorageError`s.
 */
export interface ObjectStore {
  readonly driver: 'filesystem' | 's3';
  readonly bucket: string;

  /** Stores `body` under `key`, replacing any object there. Streams are uploaded with bounded memory. */
  put(key: string, body: PutBody, options?: PutOptions): Promise<PutResult>;
  /** Opens the object (or a byte range of it) as a stream. Throws `not_found` if it does not exist. */
  get(key: string, options?: GetOptions): Promise<GetResult>;
  /** Returns the object's metadata, or null when it does not exist. Any other failure throws. */
  head(key: string): Promise<ObjectInfo | null>;
  /** Deletes the object. Deleting a missing key succeeds. */
  delete(key: string): Promise<void>;
  /** Deletes many objects, in batches of up to 1000, and reports per-key failures instead of throwing. */
  deleteMany(keys: readonly string[]): Promise<DeleteManyResult>;
  /** Lists every object whose key starts with `prefix`, in UTF-8 byte order, following all pages. */
  list(prefix: string, options?: ListOptions): AsyncIterable<ListedObject>;
  /** Copies an object inside the bucket without downloading it. */
  copy(sourceKey: string, destinationKey: string, options?: CopyOptions): Promise<CopyResult>;
  /** Returns a URL that reads the object until it expires. */
  presignedGetUrl(key: string, options: PresignOptions): Promise<PresignedRequest>;
  /** Returns a URL that uploads one object of the given content type (and length) until it expires. */
  presignedPutUrl(key: string, options: PresignPutOptions): Promise<PresignedRequest>;
  /**
   * Returns a URL for reading: the CDN URL when one is configured, otherwise a presigned GET URL.
   * CDN URLs do not expire, so use them only for buckets served publicly.
   */
  readUrl(key: string, options: PresignOptions): Promise<string>;
  /** Checks that the bucket exists and the credentials can reach it, for readiness probes. */
  checkBucket(): Promise<void>;
  /** Releases sockets and other resources; the store must not be used afterwards. */
  close(): Promise<void>;
}
