import { randomUUID } from 'node:crypto';
import { copyFile, constants as fsConstants, mkdir, open, rm, rmdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { bodyChunks } from '../body.js';
import { ObjectStorageError } from '../errors.js';
import { DEFAULT_CONTENT_TYPE, validateObjectHeaders } from '../headers.js';
import { normalizeKey, normalizePrefix } from '../keys.js';
import { createTracker, observeIteration, type TrackCall } from '../observe.js';
import { resolveRange } from '../ranges.js';
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
import { joinKeyUrl, validateContentLength } from '../urls.js';
import { KeyLock } from './key-lock.js';
import { BucketLayout, isMissing, translateFsError } from './layout.js';
import { walkKeys } from './listing.js';
import { FilesystemPresigner, type FilesystemPresignerOptions } from './presigner.js';
import { commitSidecar, readSidecar, type Sidecar, sidecarToInfo } from './sidecar.js';
import { writeBlob } from './write.js';

export interface FilesystemObjectStoreConfig {
  /** Storage root; each bucket is a directory below it, created on first use. */
  rootDir: string;
  bucket: string;
  /** Enables presigned URLs, served by `registerFilesystemObjectRoutes`. */
  presign?: FilesystemPresignerOptions;
  /** Public base URL for `readUrl`, when the bucket directory is served by a CDN or static server. */
  cdnUrl?: string;
  observer?: ObjectStoreObserver;
}

/**
 * `ObjectStore` on a local directory, the embedded default. Writes are atomic: the bytes go to a
 * temporary file that is synced and renamed, then a JSON sidecar with the headers is renamed into
 * place, which commits the object. Readers see the old object or the new one, never a mix.
 */
export class FilesystemObjectStore implements ObjectStore {
  readonly driver = 'filesystem';
  readonly bucket: string;
  /** Signs and checks presigned URLs; undefined when presigning is not configured. */
  readonly presigner: FilesystemPresigner | undefined;
  private readonly layout: BucketLayout;
  private readonly track: TrackCall;
  private readonly locks = new KeyLock();

  constructor(private readonly config: FilesystemObjectStoreConfig) {
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(config.bucket)) {
      throw new ObjectStorageError(
        'invalid_argument',
        `Bucket name "${config.bucket}" is invalid: use 3 to 63 lowercase letters, digits, "." or "-".`,
      );
    }
    this.bucket = config.bucket;
    this.layout = new BucketLayout(path.resolve(config.rootDir, config.bucket));
    this.presigner = config.presign === undefined ? undefined : new FilesystemPresigner(config.presign);
    this.track = createTracker(config.observer);
  }

  put(key: string, body: PutBody, options: PutOptions = {}): Promise<PutResult> {
    return this.track('put', async () => {
      const normalized = normalizeKey(key);
      this.layout.sidecarPath(normalized);
      validateObjectHeaders(options);
      validateContentLength(options.contentLength);
      try {
        const blob = await writeBlob(
          this.layout,
          normalized,
          bodyChunks(body),
          options.contentLength,
          options.onProgress,
        );
        return await this.locks.run(normalized, async () => {
          const current = await readSidecar(this.layout, normalized);
          try {
            checkWriteConditions(normalized, current, options);
          } catch (error) {
            await rm(this.layout.blobPath(blob.blobId), { force: true });
            throw error;
          }
          await commitSidecar(this.layout, {
            key: normalized,
            size: blob.size,
            etag: blob.etag,
            contentType: options.contentType ?? DEFAULT_CONTENT_TYPE,
            ...(options.contentDisposition === undefined
              ? {}
              : { contentDisposition: options.contentDisposition }),
            ...(options.cacheControl === undefined ? {} : { cacheControl: options.cacheControl }),
            metadata: { ...(options.metadata ?? {}) },
            lastModified: new Date().toISOString(),
            blobId: blob.blobId,
          });
          if (current !== null) {
            await rm(this.layout.blobPath(current.blobId), { force: true });
          }
          return { key: normalized, etag: blob.etag, size: blob.size };
        });
      } catch (error) {
        throw translateFsError(error, 'write', normalized);
      }
    });
  }

  get(key: string, options: GetOptions = {}): Promise<GetResult> {
    return this.track('get', async () => {
      const normalized = normalizeKey(key);
      try {
        const { sidecar, handle } = await this.openObject(normalized);
        try {
          if (options.ifMatch !== undefined && stripQuotes(options.ifMatch) !== sidecar.etag) {
            throw preconditionFailed(normalized, `its ETag is not "${stripQuotes(options.ifMatch)}"`);
          }
          const range =
            options.range === undefined ? undefined : resolveRange(options.range, sidecar.size, normalized);
          const info = { ...sidecarToInfo(sidecar), ...(range === undefined ? {} : { range }) };
          if (sidecar.size === 0) {
            // createReadStream cannot express an empty range (end -1 means "to the end").
            await handle.close();
            return { ...info, body: Readable.from([]), contentLength: 0 };
          }
          const start = range?.start ?? 0;
          const end = range?.end ?? sidecar.size - 1;
          const body = handle.createReadStream({ start, end, autoClose: true });
          return { ...info, body, contentLength: end - start + 1 };
        } catch (error) {
          await handle.close();
          throw error;
        }
      } catch (error) {
        throw translateFsError(error, 'read', normalized);
      }
    });
  }

  head(key: string): Promise<ObjectInfo | null> {
    return this.track('head', async () => {
      const normalized = normalizeKey(key);
      try {
        const sidecar = await readSidecar(this.layout, normalized);
        return sidecar === null ? null : sidecarToInfo(sidecar);
      } catch (error) {
        throw translateFsError(error, 'head', normalized);
      }
    });
  }

  delete(key: string): Promise<void> {
    return this.track('delete', () => this.deleteOne(normalizeKey(key)));
  }

  deleteMany(keys: readonly string[]): Promise<DeleteManyResult> {
    return this.track('delete_many', async () => {
      const result: DeleteManyResult = { deleted: [], failed: [] };
      for (const key of keys) {
        try {
          const normalized = normalizeKey(key);
          await this.deleteOne(normalized);
          result.deleted.push(normalized);
        } catch (error) {
          const failure = translateFsError(error, 'delete', key);
          result.failed.push({ key, code: failure.code, message: failure.message });
        }
      }
      return result;
    });
  }

  list(prefix: string, options: ListOptions = {}): AsyncIterable<ListedObject> {
    return observeIteration(this.config.observer, 'list', this.listKeys(normalizePrefix(prefix), options));
  }

  private async *listKeys(prefix: string, options: ListOptions): AsyncGenerator<ListedObject> {
    const startAfter = options.startAfter === undefined ? undefined : Buffer.from(options.startAfter);
    const entries = walkKeys(this.layout, prefix);
    for (;;) {
      let next: IteratorResult<ListedObject>;
      try {
        next = await entries.next();
      } catch (error) {
        throw translateFsError(error, 'list');
      }
      if (next.done === true) {
        return;
      }
      if (startAfter !== undefined && Buffer.compare(Buffer.from(next.value.key), startAfter) <= 0) {
        continue;
      }
      yield next.value;
    }
  }

  copy(sourceKey: string, destinationKey: string, options: CopyOptions = {}): Promise<CopyResult> {
    return this.track('copy', async () => {
      const source = normalizeKey(sourceKey);
      const destination = normalizeKey(destinationKey);
      this.layout.sidecarPath(destination);
      validateObjectHeaders(options);
      try {
        const { sidecar, handle } = await this.openObject(source);
        const blobId = randomUUID();
        try {
          if (options.ifSourceMatch !== undefined && stripQuotes(options.ifSourceMatch) !== sidecar.etag) {
            throw preconditionFailed(source, `its ETag is not "${stripQuotes(options.ifSourceMatch)}"`);
          }
          await mkdir(path.dirname(this.layout.blobPath(blobId)), { recursive: true });
          // Copy-on-write clone where the filesystem supports it, a plain copy elsewhere.
          await copyFile(
            this.layout.blobPath(sidecar.blobId),
            this.layout.blobPath(blobId),
            fsConstants.COPYFILE_FICLONE,
          );
        } finally {
          await handle.close();
        }
        const headers: Omit<Sidecar, 'key' | 'size' | 'etag' | 'lastModified' | 'blobId'> =
          options.metadataDirective === 'replace'
            ? {
                contentType: options.contentType ?? DEFAULT_CONTENT_TYPE,
                ...(options.contentDisposition === undefined
                  ? {}
                  : { contentDisposition: options.contentDisposition }),
                ...(options.cacheControl === undefined ? {} : { cacheControl: options.cacheControl }),
                metadata: { ...(options.metadata ?? {}) },
              }
            : {
                contentType: sidecar.contentType,
                ...(sidecar.contentDisposition === undefined
                  ? {}
                  : { contentDisposition: sidecar.contentDisposition }),
                ...(sidecar.cacheControl === undefined ? {} : { cacheControl: sidecar.cacheControl }),
                metadata: sidecar.metadata,
              };
        await this.locks.run(destination, async () => {
          const current = await readSidecar(this.layout, destination);
          await commitSidecar(this.layout, {
            ...headers,
            key: destination,
            size: sidecar.size,
            etag: sidecar.etag,
            lastModified: new Date().toISOString(),
            blobId,
          });
          if (current !== null) {
            await rm(this.layout.blobPath(current.blobId), { force: true });
          }
        });
        return { key: destination, etag: sidecar.etag };
      } catch (error) {
        throw translateFsError(error, 'copy', source);
      }
    });
  }

  async presignedGetUrl(key: string, options: PresignOptions): Promise<PresignedRequest> {
    const normalized = normalizeKey(key);
    return this.requirePresigner().sign({
      method: 'GET',
      bucket: this.bucket,
      key: normalized,
      expiresInSeconds: options.expiresInSeconds,
    });
  }

  async presignedPutUrl(key: string, options: PresignPutOptions): Promise<PresignedRequest> {
    const normalized = normalizeKey(key);
    this.layout.sidecarPath(normalized);
    validateObjectHeaders({
      contentType: options.contentType,
      ...(options.contentDisposition === undefined ? {} : { contentDisposition: options.contentDisposition }),
    });
    validateContentLength(options.contentLength);
    return this.requirePresigner().sign({
      method: 'PUT',
      bucket: this.bucket,
      key: normalized,
      expiresInSeconds: options.expiresInSeconds,
      headers: {
        'content-type': options.contentType,
        ...(options.contentLength === undefined ? {} : { 'content-length': String(options.contentLength) }),
        ...(options.contentDisposition === undefined
          ? {}
          : { 'content-disposition': options.contentDisposition }),
      },
    });
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
        await mkdir(this.layout.tmpDir, { recursive: true });
        const probe = path.join(this.layout.tmpDir, `${randomUUID()}.probe`);
        await (await open(probe, 'wx')).close();
        await unlink(probe);
      } catch (error) {
        const failure = translateFsError(error, 'bucket check');
        throw new ObjectStorageError(
          failure.code === 'not_found' ? 'bucket_not_found' : failure.code,
          failure.message,
          { cause: error },
        );
      }
    });
  }

  async close(): Promise<void> {}

  private requirePresigner(): FilesystemPresigner {
    if (this.presigner === undefined) {
      throw new ObjectStorageError(
        'not_supported',
        `Presigned URLs are not configured for filesystem bucket "${this.bucket}"; pass presign: { secret, baseUrl }.`,
      );
    }
    return this.presigner;
  }

  /**
   * Reads the sidecar and opens the blob it names. A concurrent overwrite may delete that blob
   * between the two steps, so the sidecar is read again in that case.
   */
  private async openObject(key: string) {
    for (let attempt = 1; ; attempt += 1) {
      const sidecar = await readSidecar(this.layout, key);
      if (sidecar === null) {
        throw new ObjectStorageError(
          'not_found',
          `Object "${key}" does not exist in bucket "${this.bucket}".`,
          {
            key,
          },
        );
      }
      try {
        return { sidecar, handle: await open(this.layout.blobPath(sidecar.blobId), 'r') };
      } catch (error) {
        if (!isMissing(error) || attempt >= 3) {
          throw error;
        }
      }
    }
  }

  private async deleteOne(key: string): Promise<void> {
    try {
      await this.locks.run(key, async () => {
        const sidecar = await readSidecar(this.layout, key);
        if (sidecar === null) {
          return;
        }
        await rm(this.layout.sidecarPath(key), { force: true });
        await rm(this.layout.blobPath(sidecar.blobId), { force: true });
        await this.pruneEmptyDirectories(path.dirname(this.layout.sidecarPath(key)));
      });
    } catch (error) {
      throw translateFsError(error, 'delete', key);
    }
  }

  /** Removes directories left empty by a delete, up to the keys root; a non-empty one stops the walk. */
  private async pruneEmptyDirectories(directory: string): Promise<void> {
    let current = directory;
    while (current.startsWith(`${this.layout.keysDir}${path.sep}`)) {
      try {
        await rmdir(current);
      } catch {
        return;
      }
      current = path.dirname(current);
    }
  }
}

function checkWriteConditions(key: string, current: Sidecar | null, options: PutOptions): void {
  if (options.ifNoneMatch === '*' && current !== null) {
    throw preconditionFailed(key, 'an object already exists and ifNoneMatch is "*"');
  }
  if (options.ifMatch !== undefined) {
    if (current === null) {
      throw preconditionFailed(key, 'no object exists and ifMatch was given');
    }
    if (stripQuotes(options.ifMatch) !== current.etag) {
      throw preconditionFailed(key, `its ETag is not "${stripQuotes(options.ifMatch)}"`);
    }
  }
}

function preconditionFailed(key: string, reason: string): ObjectStorageError {
  return new ObjectStorageError('precondition_failed', `Precondition failed for "${key}": ${reason}.`, {
    key,
  });
}

function stripQuotes(etag: string): string {
  return etag.replace(/^W\//, '').replace(/^"|"$/g, '');
}
