import { ObjectStorageError, type ObjectStorageErrorCode } from './errors.js';
import type { ObjectStore } from './types.js';

/** The S3 DeleteObjects limit, and the most keys one batch holds. */
const MAX_BATCH = 1000;

/** Counts of one `deleteObjectsUnderPrefix` call. */
export interface PrefixDeletion {
  /** Objects deleted. */
  deleted: number;
  /** Objects that the store failed to delete. They are still stored. */
  failed: number;
  /** Distinct error codes of the failed deletes, such as `access_denied`. */
  errorCodes: ObjectStorageErrorCode[];
}

/**
 * Deletes every object whose key starts with `prefix`, `batchSize` keys (default and maximum 1,000)
 * per `deleteMany` call, so memory stays bounded by one batch.
 *
 * Each batch comes from its own listing that starts after the last key of the batch before. Deletes
 * therefore never run under an open listing, and keys whose delete failed are not listed twice. A
 * failed delete does not stop the run but is counted in the result. A failed listing throws.
 */
export async function deleteObjectsUnderPrefix(
  store: ObjectStore,
  prefix: string,
  options: { batchSize?: number } = {},
): Promise<PrefixDeletion> {
  const batchSize = options.batchSize ?? MAX_BATCH;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH) {
    throw new ObjectStorageError(
      'invalid_argument',
      `Delete batch size ${batchSize} is invalid; use an integer from 1 to ${MAX_BATCH}.`,
    );
  }

  const result: PrefixDeletion = { deleted: 0, failed: 0, errorCodes: [] };
  const errorCodes = new Set<ObjectStorageErrorCode>();
  let startAfter: string | undefined;
  for (;;) {
    const keys = await listBatch(store, prefix, batchSize, startAfter);
    if (keys.length === 0) {
      break;
    }
    const outcome = await store.deleteMany(keys);
    result.deleted += outcome.deleted.length;
    result.failed += outcome.failed.length;
    for (const failure of outcome.failed) {
      errorCodes.add(failure.code);
    }
    if (keys.length < batchSize) {
      break;
    }
    startAfter = keys.at(-1);
  }
  result.errorCodes = [...errorCodes];
  return result;
}

/** Returns up to `batchSize` keys under `prefix` after `startAfter`, and closes the listing. */
async function listBatch(
  store: ObjectStore,
  prefix: string,
  batchSize: number,
  startAfter: string | undefined,
): Promise<string[]> {
  const keys: string[] = [];
  const listing = store.list(prefix, {
    pageSize: batchSize,
    ...(startAfter === undefined ? {} : { startAfter }),
  });
  for await (const object of listing) {
    keys.push(object.key);
    if (keys.length === batchSize) {
      break;
    }
  }
  return keys;
}
