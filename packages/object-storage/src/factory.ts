import { ObjectStorageError } from './errors.js';
import type { FilesystemPresignerOptions } from './filesystem/presigner.js';
import { FilesystemObjectStore } from './filesystem/store.js';
import type { S3ConnectionConfig } from './s3/client.js';
import { S3ObjectStore } from './s3/store.js';
import type { ObjectStoreObserver } from './types.js';

/**
 * Settings of one bucket's store. The field names match the platform configuration's storage
 * section, so `createObjectStore({ ...config.storage, bucket: config.storage.buckets.uploads })` works.
 */
export interface ObjectStoreConfig extends S3ConnectionConfig {
  driver: 'filesystem' | 's3';
  bucket: string;
  /** Filesystem driver: the storage root (`DATA_DIR`-relative in the platform configuration). */
  rootDir?: string;
  /** Filesystem driver: enables presigned URLs served by `registerFilesystemObjectRoutes`. */
  presign?: FilesystemPresignerOptions;
  /** `S3_CDN_URL`: public base URL; `readUrl` then returns `<cdnUrl>/<key>` instead of presigning. */
  cdnUrl?: string;
  /** S3 driver: multipart part size in bytes (at least 5 MiB, default 8 MiB). */
  partSizeBytes?: number;
  /** S3 driver: parts uploaded in parallel (default 3). */
  queueSize?: number;
  observer?: ObjectStoreObserver;
}

/** Creates the store for one bucket with the driver named in `config.driver`. */
export function createObjectStore(config: ObjectStoreConfig): FilesystemObjectStore | S3ObjectStore {
  if (config.driver === 'filesystem') {
    if (config.rootDir === undefined || config.rootDir === '') {
      throw new ObjectStorageError(
        'invalid_argument',
        'The filesystem driver needs rootDir, the directory that holds the buckets.',
      );
    }
    return new FilesystemObjectStore({
      rootDir: config.rootDir,
      bucket: config.bucket,
      ...(config.presign === undefined ? {} : { presign: config.presign }),
      ...(config.cdnUrl === undefined ? {} : { cdnUrl: config.cdnUrl }),
      ...(config.observer === undefined ? {} : { observer: config.observer }),
    });
  }
  if (config.driver === 's3') {
    return new S3ObjectStore(config);
  }
  throw new ObjectStorageError(
    'invalid_argument',
    `Object storage driver "${String(config.driver)}" is unknown; use "filesystem" or "s3".`,
  );
}
