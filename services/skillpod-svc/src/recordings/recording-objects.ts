import { randomUUID } from 'node:crypto';
import { type ObjectStore, objectKey, objectKeyPrefix } from '@skillancer/object-storage';

const KIND = 'recording';
const DELETE_BATCH = 1000;

/**
 * Returns a new object key for one chunk: `tenant/<tenant id>/recording/<storage id>/<random UUID>`.
 * The storage id is a random UUID of the recording that differs from its API id, and the last
 * segment is random too, so a key reveals neither the pod, the session nor the chunk's position.
 */
export function newChunkObjectKey(tenantId: string, storageId: string): string {
  return objectKey({ tenantId, kind: KIND, objectId: storageId, variant: randomUUID() });
}

/** Returns the prefix of all objects of one recording. */
export function recordingObjectPrefix(tenantId: string, storageId: string): string {
  return objectKeyPrefix({ tenantId, kind: KIND, objectId: storageId });
}

/**
 * Returns the prefix of all recording objects of a tenant: `tenant/<tenant id>/recording/`. Erasing
 * a tenant deletes its recording rows by cascade from `tenants`, and the erasure recording purge
 * then deletes the objects under this prefix.
 */
export function tenantRecordingPrefix(tenantId: string): string {
  return objectKeyPrefix({ tenantId, kind: KIND });
}

/**
 * Deletes every object under the recording's prefix, including objects of uploads that crashed
 * before their chunk row was written. Returns how many objects were deleted. Throws when the store
 * reports any key it could not delete, so the caller keeps the row and retries later.
 */
export async function deleteRecordingObjects(
  store: ObjectStore,
  tenantId: string,
  storageId: string,
): Promise<number> {
  let deleted = 0;
  let batch: string[] = [];
  const flush = async (): Promise<void> => {
    const result = await store.deleteMany(batch);
    if (result.failed.length > 0) {
      const first = result.failed[0];
      throw new Error(
        `deleting ${result.failed.length} object(s) of a recording failed, first ${first?.code}: ${first?.message}`,
      );
    }
    deleted += result.deleted.length;
    batch = [];
  };
  for await (const object of store.list(recordingObjectPrefix(tenantId, storageId))) {
    batch.push(object.key);
    if (batch.length === DELETE_BATCH) {
      await flush();
    }
  }
  if (batch.length > 0) {
    await flush();
  }
  return deleted;
}
