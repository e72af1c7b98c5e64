import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, rm } from 'node:fs/promises';
import path from 'node:path';
import { lengthMismatchError, sourceStreamError } from '../errors.js';
import type { BucketLayout } from './layout.js';
import { renameCreatingParent } from './sidecar.js';

export interface StoredBlob {
  blobId: string;
  size: number;
  /** Hex MD5 of the bytes, which is also what S3 returns as the ETag of a single-part object. */
  etag: string;
}

/**
 * Writes chunks to a temporary file while hashing them, syncs it and renames it into `blobs/`. On any
 * failure (including a length that differs from `contentLength`) the temporary file is removed and
 * the source is closed.
 */
export async function writeBlob(
  layout: BucketLayout,
  key: string,
  chunks: AsyncIterable<Buffer>,
  contentLength: number | undefined,
  onProgress: ((progress: { bytes: number }) => void) | undefined,
): Promise<StoredBlob> {
  await mkdir(layout.tmpDir, { recursive: true });
  const blobId = randomUUID();
  const temporary = path.join(layout.tmpDir, blobId);
  const handle = await open(temporary, 'wx');
  const source = chunks[Symbol.asyncIterator]();
  let finished = false;
  let committed = false;
  try {
    const hash = createHash('md5');
    let size = 0;
    for (;;) {
      let next: IteratorResult<Buffer>;
      try {
        next = await source.next();
      } catch (error) {
        finished = true;
        throw sourceStreamError(key, error);
      }
      if (next.done === true) {
        finished = true;
        break;
      }
      size += next.value.length;
      if (contentLength !== undefined && size > contentLength) {
        throw lengthMismatchError(key, contentLength, `more than ${contentLength}`);
      }
      hash.update(next.value);
      await handle.write(next.value);
      onProgress?.({ bytes: size });
    }
    if (contentLength !== undefined && size !== contentLength) {
      throw lengthMismatchError(key, contentLength, String(size));
    }
    await handle.sync();
    await handle.close();
    await renameCreatingParent(temporary, layout.blobPath(blobId));
    committed = true;
    return { blobId, size, etag: hash.digest('hex') };
  } finally {
    if (!finished) {
      await source.return?.(undefined);
    }
    if (!committed) {
      await handle.close().catch(() => undefined);
      await rm(temporary, { force: true });
    }
  }
}
