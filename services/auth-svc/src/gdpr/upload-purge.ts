import type { Database } from '@skillancer/database';
import type { ObjectStore } from '@skillancer/object-storage';
import type { FastifyBaseLogger } from 'fastify';

type PendingPurge = { id: string; tenant_id: string; scope: 'account' | 'tenant'; user_id: string | null };

const BATCH = 20;
const DELETE_BATCH = 1000;

/**
 * Deletes the avatars and portfolio images of executed erasures from the uploads bucket: the whole
 * tenant prefix for a tenant erasure, the user's prefix for an account erasure, and the user's
 * media rows. An erasure is marked purged only once every object is gone, so a failed run is
 * retried by the next one. Returns how many erasures were purged.
 */
export async function purgeErasedUploads(deps: {
  db: Database;
  store: ObjectStore;
  log: FastifyBaseLogger;
}): Promise<number> {
  const { rows } = await deps.db.query<PendingPurge>(
    `SELECT id, tenant_id, scope, user_id FROM phi_shred_requests
      WHERE executed_at IS NOT NULL AND objects_purged_at IS NULL
      ORDER BY executed_at LIMIT $1`,
    [BATCH],
  );
  let purged = 0;
  for (const request of rows) {
    const prefix =
      request.scope === 'tenant'
        ? `tenant/${request.tenant_id}/`
        : `tenant/${request.tenant_id}/user/${request.user_id}/`;
    const failures = await deleteByPrefix(deps.store, prefix);
    if (failures > 0) {
      deps.log.error(
        { shredRequestId: request.id, tenantId: request.tenant_id, failures },
        'erasure upload purge left objects; the next run retries it',
      );
      continue;
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
    await deps.db.query('UPDATE phi_shred_requests SET objects_purged_at = now() WHERE id = $1', [
      request.id,
    ]);
    deps.log.info(
      { shredRequestId: request.id, tenantId: request.tenant_id, scope: request.scope },
      'erasure uploads deleted',
    );
    purged += 1;
  }
  return purged;
}

/** Lists every key under `prefix` first, so deleting does not disturb the listing, then deletes in batches. */
async function deleteByPrefix(store: ObjectStore, prefix: string): Promise<number> {
  const keys: string[] = [];
  for await (const object of store.list(prefix)) keys.push(object.key);
  let failures = 0;
  for (let start = 0; start < keys.length; start += DELETE_BATCH) {
    const result = await store.deleteMany(keys.slice(start, start + DELETE_BATCH));
    failures += result.failed.length;
  }
  return failures;
}
