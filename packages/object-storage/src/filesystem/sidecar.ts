import { randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { ObjectInfo } from '../types.js';
import { type BucketLayout, isMissing } from './layout.js';

/** The committed record of one object; its presence under `keys/` is what makes the object exist. */
export interface Sidecar {
  key: string;
  size: number;
  etag: string;
  contentType: string;
  contentDisposition?: string;
  cacheControl?: string;
  metadata: Record<string, string>;
  /** ISO 8601 time of the write. */
  lastModified: string;
  /** Name of the blob file holding the bytes. */
  blobId: string;
}

/** Reads a sidecar, or returns null when the key has none. */
export async function readSidecar(layout: BucketLayout, key: string): Promise<Sidecar | null> {
  try {
    return JSON.parse(await readFile(layout.sidecarPath(key), 'utf8')) as Sidecar;
  } catch (error) {
    if (isMissing(error)) {
      return null;
    }
    throw error;
  }
}

/** Writes a sidecar to a temporary file, syncs it and renames it into place, which commits the object. */
export async function commitSidecar(layout: BucketLayout, sidecar: Sidecar): Promise<void> {
  const target = layout.sidecarPath(sidecar.key);
  const temporary = path.join(layout.tmpDir, `${randomUUID()}.json`);
  await mkdir(layout.tmpDir, { recursive: true });
  const handle = await open(temporary, 'wx');
  try {
    await handle.writeFile(JSON.stringify(sidecar));
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await renameCreatingParent(temporary, target);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/**
 * Renames `from` to `to`, creating the parent directory. A concurrent delete may remove an empty parent
 * between the mkdir and the rename, so that case is retried.
 */
export async function renameCreatingParent(from: string, to: string): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    await mkdir(path.dirname(to), { recursive: true });
    try {
      await rename(from, to);
      return;
    } catch (error) {
      if (!isMissing(error) || attempt >= 5) {
        throw error;
      }
    }
  }
}

export function sidecarToInfo(sidecar: Sidecar): ObjectInfo {
  return {
    key: sidecar.key,
    size: sidecar.size,
    etag: sidecar.etag,
    contentType: sidecar.contentType,
    ...(sidecar.contentDisposition === undefined ? {} : { contentDisposition: sidecar.contentDisposition }),
    ...(sidecar.cacheControl === undefined ? {} : { cacheControl: sidecar.cacheControl }),
    metadata: { ...sidecar.metadata },
    lastModified: new Date(sidecar.lastModified),
  };
}
