import type { Database } from '@skillancer/database';
import { deleteObjectsUnderPrefix, type ObjectStore, type PrefixDeletion } from '@skillancer/object-storage';
import { isUuid } from '../errors.js';
import type { ErasedObjectPurge } from './erased-object-purge-definition.js';
import type { ErasedObjectPurgeMetrics } from './erased-object-purge-metrics.js';

/** Erasures read per query. A run pages through all pending ones. */
const PAGE_SIZE = 20;
const FIRST_ID = '00000000-0000-0000-0000-000000000000';

/** The logger methods the purge calls, with pino's argument order. A pino or Fastify logger fits. */
export interface PurgeLogger {
  debug(message: string): void;
  info(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface ErasedObjectPurgeDependencies {
  db: Database;
  /** The bucket that contains the objects under `purge.prefixOf(tenantId)`. */
  store: ObjectStore;
  log: PurgeLogger;
  metrics?: ErasedObjectPurgeMetrics;
}

/** Counts of one purge run. */
export interface ErasedObjectPurgeReport {
  /** False when another replica held the purge lock, so this run did nothing. */
  ran: boolean;
  /** Erasures whose objects are all deleted, now marked purged. */
  purged: number;
  /** Erasures left for the next run because listing or deleting their objects failed. */
  failed: number;
  objectsDeleted: number;
}

type PendingErasure = { id: string; tenant_id: string; scope: 'account' | 'tenant' };

/**
 * Deletes the objects under `purge.prefixOf(tenantId)` of each executed erasure whose tenant row is
 * gone, and sets `purge.markerColumn` on the erasure. Rows that cascade with the tenant row are the
 * only way to find these objects, so this covers tenant erasures and account erasures, which delete
 * the user's personal tenant. While the tenant of an executed erasure still exists, its objects
 * stay and the erasure stays unmarked, so a later run deletes them once the tenant row is gone.
 *
 * One replica at a time runs it, under the advisory lock `purge.lockName`. An erasure is marked
 * purged only when every listed object was deleted, so a failed listing or delete is retried by the
 * next run. Logs carry erasure and tenant ids, counts and error codes, never object keys or contents.
 */
export async function purgeErasedObjects(
  purge: ErasedObjectPurge,
  deps: ErasedObjectPurgeDependencies,
): Promise<ErasedObjectPurgeReport> {
  let attempt: { acquired: true; value: ErasedObjectPurgeReport } | { acquired: false };
  try {
    attempt = await deps.db.tryWithAdvisoryLock(purge.lockName, () => purgePending(purge, deps));
  } catch (error) {
    deps.metrics?.runs.inc({ outcome: 'error' });
    throw error;
  }
  if (!attempt.acquired) {
    deps.metrics?.runs.inc({ outcome: 'skipped' });
    deps.log.debug(purge.messages.skipped);
    return { ran: false, purged: 0, failed: 0, objectsDeleted: 0 };
  }
  deps.metrics?.runs.inc({ outcome: 'completed' });
  return attempt.value;
}

/** Tries every pending erasure once, paging by id so that erasures that keep failing block none. */
async function purgePending(
  purge: ErasedObjectPurge,
  deps: ErasedObjectPurgeDependencies,
): Promise<ErasedObjectPurgeReport> {
  const report: ErasedObjectPurgeReport = { ran: true, purged: 0, failed: 0, objectsDeleted: 0 };
  let afterId = FIRST_ID;
  for (;;) {
    const { rows } = await deps.db.query<PendingErasure>(purge.selectPendingSql, [afterId, PAGE_SIZE]);
    for (const erasure of rows) {
      await purgeErasure(purge, deps, erasure, report);
    }
    const last = rows.at(-1);
    if (last === undefined || rows.length < PAGE_SIZE) {
      return report;
    }
    afterId = last.id;
  }
}

async function purgeErasure(
  purge: ErasedObjectPurge,
  deps: ErasedObjectPurgeDependencies,
  erasure: PendingErasure,
  report: ErasedObjectPurgeReport,
): Promise<void> {
  const ids = { shredRequestId: erasure.id, tenantId: erasure.tenant_id, scope: erasure.scope };
  let deleted = 0;
  // Object keys name tenants by UUID, so a tenant id of another form never had objects.
  if (isUuid(erasure.tenant_id)) {
    const prefix = purge.prefixOf(erasure.tenant_id);
    let outcome: PrefixDeletion;
    try {
      outcome = await deleteObjectsUnderPrefix(deps.store, prefix);
    } catch (error) {
      recordFailure(deps, report);
      deps.log.error({ ...ids, err: error }, purge.messages.listingFailed);
      return;
    }
    deleted = outcome.deleted;
    report.objectsDeleted += deleted;
    deps.metrics?.objectsDeleted.inc(deleted);
    if (outcome.failed > 0) {
      recordFailure(deps, report);
      deps.log.error(
        { ...ids, objectsDeleted: deleted, objectsFailed: outcome.failed, errorCodes: outcome.errorCodes },
        purge.messages.objectsLeft,
      );
      return;
    }
  }

  await deps.db.query(purge.markPurgedSql, [erasure.id]);
  report.purged += 1;
  deps.metrics?.erasures.inc({ outcome: 'purged' });
  deps.log.info({ ...ids, objectsDeleted: deleted }, purge.messages.purged);
}

function recordFailure(deps: ErasedObjectPurgeDependencies, report: ErasedObjectPurgeReport): void {
  report.failed += 1;
  deps.metrics?.erasures.inc({ outcome: 'failed' });
}
