import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import type { ListedObject, ObjectInfo, ObjectStore } from '@skillancer/object-storage';

/**
 * Metadata that records the source ETag on each copy. A multipart source ETag (`…-N`) never equals
 * the ETag of the copy, so without it a second run could not tell a finished large copy from a
 * different object of the same size.
 */
export const SOURCE_ETAG_METADATA = 'migrated-source-etag';

const SINGLE_PART_ETAG = /^[0-9a-f]{32}$/;

export type CopyOutcome =
  | { status: 'skipped'; bytes: number }
  | { status: 'planned'; bytes: number }
  | { status: 'copied'; bytes: number; verifiedBy: 'etag' | 'sha256' };

/** Tells whether the target already contains this source object: the same size, and the same or recorded ETag. */
export function isAlreadyCopied(source: ListedObject, target: ObjectInfo | null): boolean {
  if (target === null || target.size !== source.size) return false;
  return target.etag === source.etag || target.metadata[SOURCE_ETAG_METADATA] === source.etag;
}

/** Digests the bytes passing through, so the copy is hashed while it streams. */
class DigestStream extends Transform {
  readonly sha256 = createHash('sha256');
  readonly md5 = createHash('md5');
  bytes = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.sha256.update(chunk);
    this.md5.update(chunk);
    this.bytes += chunk.length;
    this.push(chunk);
    callback();
  }
}

/**
 * Copies one object from `source` to `target` with bounded memory (the body streams through, and the
 * S3 driver buffers at most a few parts), keeping content type, disposition, cache control and
 * metadata. The copy is verified: by its ETag when the target reports a single-part MD5 ETag equal
 * to the MD5 of the bytes sent, otherwise by reading it back and comparing size and SHA-256. The
 * source ETag is not compared with the MD5, because AWS objects encrypted with SSE-KMS have ETags
 * that are not the MD5 of their content. A copy that fails verification is deleted, so a later run
 * does not skip it. Throws on any failure.
 */
export async function copyObject(
  source: ObjectStore,
  target: ObjectStore,
  listed: ListedObject,
  targetKey: string,
  options: { dryRun: boolean },
): Promise<CopyOutcome> {
  if (isAlreadyCopied(listed, await target.head(targetKey))) {
    return { status: 'skipped', bytes: listed.size };
  }
  if (options.dryRun) return { status: 'planned', bytes: listed.size };

  const object = await source.get(listed.key);
  const digest = new DigestStream();
  object.body.on('error', (error) => digest.destroy(error));
  let written: { etag: string; size: number };
  try {
    written = await target.put(targetKey, object.body.pipe(digest), {
      contentType: object.contentType,
      ...(object.contentDisposition === undefined ? {} : { contentDisposition: object.contentDisposition }),
      ...(object.cacheControl === undefined ? {} : { cacheControl: object.cacheControl }),
      metadata: { ...object.metadata, [SOURCE_ETAG_METADATA]: object.etag },
      contentLength: object.size,
    });
  } finally {
    // A put rejected before it read the body (invalid metadata, say) would leave the download open.
    object.body.destroy();
  }
  const sha256 = digest.sha256.digest('hex');
  const md5 = digest.md5.digest('hex');

  try {
    if (written.size !== object.size) {
      throw new Error(`the copy has ${written.size} bytes, the source ${object.size}`);
    }
    if (SINGLE_PART_ETAG.test(written.etag) && written.etag === md5) {
      return { status: 'copied', bytes: object.size, verifiedBy: 'etag' };
    }
    await verifyByReading(target, targetKey, object.size, sha256);
    return { status: 'copied', bytes: object.size, verifiedBy: 'sha256' };
  } catch (error) {
    await target.delete(targetKey).catch(() => undefined);
    throw new Error(
      `verification failed, so the copy was deleted: ${error instanceof Error ? error.message : String(error)}`,
      {
        cause: error,
      },
    );
  }
}

async function verifyByReading(store: ObjectStore, key: string, size: number, sha256: string): Promise<void> {
  const copy = await store.get(key);
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of copy.body) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  const actual = hash.digest('hex');
  if (bytes !== size || actual !== sha256) {
    throw new Error(`read back ${bytes} bytes with SHA-256 ${actual}, expected ${size} bytes with ${sha256}`);
  }
}
