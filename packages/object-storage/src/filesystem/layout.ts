import path from 'node:path';
import { ObjectStorageError, type ObjectStorageErrorCode } from '../errors.js';

/** Most filesystems limit a file name to 255 bytes; two of them go to the `d_` / `m_` prefix. */
export const MAX_SEGMENT_BYTES = 253;

/**
 * Directory layout of one bucket in the filesystem driver:
 *
 * - `keys/d_<segment>/…/m_<last segment>`: one JSON sidecar per object with its headers, metadata and
 *   the name of its blob. Renaming the sidecar into place commits a write. The `d_` and `m_` prefixes
 *   keep the key `a` and the keys under `a/` from colliding, as S3 allows both.
 * - `blobs/<2 hex>/<uuid>`: object bytes, never modified after the rename that stores them.
 * - `tmp/`: files being written.
 */
export class BucketLayout {
  readonly keysDir: string;
  readonly blobsDir: string;
  readonly tmpDir: string;

  constructor(readonly bucketDir: string) {
    this.keysDir = path.join(bucketDir, 'keys');
    this.blobsDir = path.join(bucketDir, 'blobs');
    this.tmpDir = path.join(bucketDir, 'tmp');
  }

  /** Path of the sidecar of a normalized key. */
  sidecarPath(key: string): string {
    const segments = key.split('/');
    for (const segment of segments) {
      if (Buffer.byteLength(segment) > MAX_SEGMENT_BYTES) {
        throw new ObjectStorageError(
          'invalid_key',
          `Object key "${key.slice(0, 200)}" has a segment longer than ${MAX_SEGMENT_BYTES} bytes, which the filesystem driver cannot store.`,
          { key },
        );
      }
    }
    const last = segments.pop() as string;
    return path.join(this.keysDir, ...segments.map((segment) => `d_${segment}`), `m_${last}`);
  }

  /** Directory holding the keys that start with `segments` (whole segments only). */
  directoryOf(segments: readonly string[]): string {
    return path.join(this.keysDir, ...segments.map((segment) => `d_${segment}`));
  }

  blobPath(blobId: string): string {
    return path.join(this.blobsDir, blobId.slice(0, 2), blobId);
  }
}

/** Translates a Node.js filesystem error into an `ObjectStorageError`, keeping it as `cause`. */
export function translateFsError(error: unknown, operation: string, key?: string): ObjectStorageError {
  if (error instanceof ObjectStorageError) {
    return error;
  }
  const systemCode = (error as NodeJS.ErrnoException | undefined)?.code ?? 'UNKNOWN';
  const code: ObjectStorageErrorCode =
    systemCode === 'ENOENT' || systemCode === 'ENOTDIR'
      ? 'not_found'
      : systemCode === 'EACCES' || systemCode === 'EPERM' || systemCode === 'EROFS'
        ? 'access_denied'
        : systemCode === 'ENAMETOOLONG'
          ? 'invalid_key'
          : 'unavailable';
  const target = key === undefined ? '' : ` of "${key}"`;
  const reason = error instanceof Error ? error.message : String(error);
  return new ObjectStorageError(
    code,
    `Filesystem ${operation}${target} failed with ${systemCode}: ${reason}. Check the storage directory, its permissions and free space.`,
    { cause: error, ...(key === undefined ? {} : { key }) },
  );
}

export function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
