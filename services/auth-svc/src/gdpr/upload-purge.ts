import type { Database } from '@skillancer/database';
import {
  deleteObjectsUnderPrefix,
  isObjectStorageError,
  type ObjectStore,
  type PrefixDeletion,
} from '@skillancer/object-storage';
import type { FastifyBaseLogger } from 'fastify';

type PendingPurge = { id: string; tenant_id: string; scope: 'account' | 'tenant'; user_id: string | null };

/** Erasures read per query. */
const PAGE_SIZE = 20;

/**
 * Deletes the avatars and portfolio images of executed erasures from the uploads bucket: the whole
 * tenant prefix for a tenant erasure, the user's prefix for an account erasure, and the user's
 * media rows. An erasure is marked purged only once every object is gone, so a failed run is
 * retried by the next one. Each run pages through all pending erasures, so erasures that keep
 * failing do not hold back the others. Returns how many erasures were purged.
 */
export async function purgeErasedUploads(deps: {
  db: Database;
  store: ObjectStore;
  log: FastifyBaseLogger;
  pageSize?: number;
}): Promise<number> {
  const pageSize = deps.pageSize ?? PAGE_SIZE;
  let purged = 0;
  let after = '';
  for (;;) {
    const { rows } = await deps.db.query<PendingPurge>(
      `SELECT id, tenant_id, scope, user_id FROM phi_shred_requests
        WHERE executed_at IS NOT NULL AND objects_purged_at IS NULL AND id::text > $1
        ORDER BY id::text LIMIT $2`,
      [after, pageSize],
    );
    for (const request of rows) {
      if (await purgeOne(deps, request)) purged += 1;
    }
    if (rows.length < pageSize) return purged;
    after = rows.at(-1)?.id ?? after;
  }
}

async function purgeOne(
  deps: { db: Database; store: ObjectStore; log: FastifyBaseLogger },
  request: PendingPurge,
): Promise<boolean> {
  const prefix =
    request.scope === 'tenant'
      ? `tenant/${request.tenant_id}/`
      : `tenant/${request.tenant_id}/user/${request.user_id}/`;
  const ids = { shredRequestId: request.id, tenantId: request.tenant_id, scope: request.scope };
  let deletion: PrefixDeletion;
  try {
    deletion = await deleteObjectsUnderPrefix(deps.store, prefix);
  } catch (error) {
    deps.log.error(
      { ...ids, errorCode: isObjectStorageError(error) ? error.code : 'unknown' },
      'erasure upload purge could not list the uploads; the next run retries it',
    );
    return false;
  }
  if (deletion.failed > 0) {
    deps.log.error(
      { ...ids, failures: deletion.failed, errorCodes: deletion.errorCodes },
      'erasure upload purge left objects; the next run retries it',
    );
    return false;
  }
  if (request.scope === 'account' && request.user_id !== null) {
    await deps.db.query('DELETE FROM profile_avatars WHERE tenant_id = $1 AND user_id = $2', [
      request.tenant_id,
      request.user_id,
    ]);
    await deps.db.query('DELETE FROM portfolio_items WHERE tenant_id = $1 AND user_id = $2', [
      request.tenant_id,
      request.user_id,
    ]);
  }
  await deps.db.query('UPDATE phi_shred_requests SET objects_purged_at = now() WHERE id = $1', [request.id]);
  deps.log.info({ ...ids, deleted: deletion.deleted }, 'erasure uploads deleted');
  return true;
}
