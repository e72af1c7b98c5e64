import type { Database } from '@skillancer/database';
import { deleteObjectsUnderPrefix, type ObjectStore, type PrefixDeletion } from '@skillancer/object-storage';
import type { FastifyBaseLogger } from 'fastify';
import { tenantRecordingPrefix } from '../recordings/recording-objects.js';
import type { RecordingPurgeMetrics } from './recording-purge-metrics.js';

/** Advisory lock that lets one replica at a time purge. */
export const RECORDING_PURGE_LOCK = 'skillpod:erasure-recording-purge';

/** Erasures read per query. A run pages through all pending ones. */
const PAGE_SIZE = 20;
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const FIRST_ID = '00000000-0000-0000-0000-000000000000';

export interface RecordingPurgeDependencies {
  db: Database;
  /** The recordings bucket (`S3_BUCKET_RECORDINGS`). */
  store: ObjectStore;
  log: FastifyBaseLogger;
  metrics?: RecordingPurgeMetrics;
}

/** Counts of one purge run. */
export interface RecordingPurgeReport {
  /** False when another replica held the purge lock, so this run did nothing. */
  ran: boolean;
  /** Erasures whose recording chunks are all deleted, now marked purged. */
  purged: number;
  /** Erasures left for the next run because listing or deleting their chunks failed. */
  failed: number;
  objectsDeleted: number;
}

type PendingErasure = { id: string; tenant_id: string; scope: 'account' | 'tenant' };

/**
 * Deletes from the recordings bucket the session recording chunks of each executed erasure whose
 * tenant row is gone, everything under `tenant/<tenantId>/recording/`, and sets
 * `recordings_purged_at` on the erasure. Recording rows cascade with the tenant row, and the
 * retention sweeper finds chunks only through those rows, so without this purge the chunks would
 * stay in the bucket. That covers tenant erasures and account erasures, which delete the user's
 * personal tenant.
 *
 * While the tenant of an executed erasure still exists, its recordings stay. The erasure stays
 * unmarked, so a later run deletes the chunks once the tenant row is gone.
 *
 * One replica at a time runs it, under an advisory lock. An erasure is marked purged only when
 * every listed object was deleted, so a failed listing or delete is retried by the next run. Logs
 * carry erasure and tenant ids, counts and error codes, never object keys.
 */
export async function purgeErasedRecordings(deps: RecordingPurgeDependencies): Promise<RecordingPurgeReport> {
  let attempt: { acquired: true; value: RecordingPurgeReport } | { acquired: false };
  try {
    attempt = await deps.db.tryWithAdvisoryLock(RECORDING_PURGE_LOCK, () => purgePending(deps));
  } catch (error) {
    deps.metrics?.runs.inc({ outcome: 'error' });
    throw error;
  }
  if (!attempt.acquired) {
    deps.metrics?.runs.inc({ outcome: 'skipped' });
    deps.log.debug('erasure recording purge skipped because another replica holds the purge lock');
    return { ran: false, purged: 0, failed: 0, objectsDeleted: 0 };
  }
  deps.metrics?.runs.inc({ outcome: 'completed' });
  return attempt.value;
}

/** Tries every pending erasure once, paging by id so that erasures that keep failing block none. */
async function purgePending(deps: RecordingPurgeDependencies): Promise<RecordingPurgeReport> {
  const report: RecordingPurgeReport = { ran: true, purged: 0, failed: 0, objectsDeleted: 0 };
  let afterId = FIRST_ID;
  for (;;) {
    const { rows } = await deps.db.query<PendingErasure>(
      // tenant_id is text and may name no UUID, so the tenants row is matched by its text form.
      `SELECT r.id, r.tenant_id, r.scope FROM phi_shred_requests r
        WHERE r.executed_at IS NOT NULL AND r.recordings_purged_at IS NULL AND r.id > $1
          AND NOT EXISTS (SELECT 1 FROM tenants t WHERE t.id::text = lower(r.tenant_id))
        ORDER BY r.id LIMIT $2`,
      [afterId, PAGE_SIZE],
    );
    for (const erasure of rows) {
      await purgeErasure(deps, erasure, report);
    }
    const last = rows.at(-1);
    if (last === undefined || rows.length < PAGE_SIZE) {
      return report;
    }
    afterId = last.id;
  }
}

async function purgeErasure(
  deps: RecordingPurgeDependencies,
  erasure: PendingErasure,
  report: RecordingPurgeReport,
): Promise<void> {
  const ids = { shredRequestId: erasure.id, tenantId: erasure.tenant_id, scope: erasure.scope };
  let deleted = 0;
  // Recordings reference tenants by UUID, so a tenant id of another form never had recordings.
  if (UUID_PATTERN.test(erasure.tenant_id)) {
    let outcome: PrefixDeletion;
    try {
      // NOTE: a chunk upload that was encrypting while the erasure executed can store its object
      // after this listing. Its row insert then finds the recording gone and deletes the object.
      // Only when that delete fails too does the object outlive the purge.
      outcome = await deleteObjectsUnderPrefix(deps.store, tenantRecordingPrefix(erasure.tenant_id));
    } catch (error) {
      recordFailure(deps, report);
      deps.log.error(
        { ...ids, err: error },
        'erasure recording purge could not list or delete the chunks; the next run retries it',
      );
      return;
    }
    deleted = outcome.deleted;
    report.objectsDeleted += deleted;
    deps.metrics?.objectsDeleted.inc(deleted);
    if (outcome.failed > 0) {
      recordFailure(deps, report);
      deps.log.error(
        { ...ids, objectsDeleted: deleted, objectsFailed: outcome.failed, errorCodes: outcome.errorCodes },
        'erasure recording purge left chunks in the bucket; the next run retries it',
      );
      return;
    }
  }

  await deps.db.query('UPDATE phi_shred_requests SET recordings_purged_at = now() WHERE id = $1', [
    erasure.id,
  ]);
  report.purged += 1;
  deps.metrics?.erasures.inc({ outcome: 'purged' });
  deps.log.info({ ...ids, objectsDeleted: deleted }, 'erasure recording chunks deleted');
}

function recordFailure(deps: RecordingPurgeDependencies, report: RecordingPurgeReport): void {
  report.failed += 1;
  deps.metrics?.erasures.inc({ outcome: 'failed' });
}
