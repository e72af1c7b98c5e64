import type { Database } from '@skillancer/database';
import {
  deleteObjectsUnderPrefix,
  type ObjectStore,
  objectKeyPrefix,
  type PrefixDeletion,
} from '@skillancer/object-storage';
import type { FastifyBaseLogger } from 'fastify';
import { INVOICE_OBJECT_KIND } from '../invoices/invoice-documents.js';
import type { InvoicePurgeMetrics } from './invoice-purge-metrics.js';

/** Advisory lock that lets one replica at a time purge. */
export const INVOICE_PURGE_LOCK = 'cockpit-svc:erasure-invoice-purge';

/** Erasures read per query. A run pages through all pending ones. */
const PAGE_SIZE = 20;
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const FIRST_ID = '00000000-0000-0000-0000-000000000000';

export interface InvoicePurgeDependencies {
  db: Database;
  /** The invoices bucket (`S3_BUCKET`). */
  store: ObjectStore;
  log: FastifyBaseLogger;
  metrics?: InvoicePurgeMetrics;
}

/** Counts of one purge run. */
export interface InvoicePurgeReport {
  /** False when another replica held the purge lock, so this run did nothing. */
  ran: boolean;
  /** Erasures whose invoice PDFs are all deleted, now marked purged. */
  purged: number;
  /** Erasures left for the next run because listing or deleting their PDFs failed. */
  failed: number;
  objectsDeleted: number;
}

type PendingErasure = { id: string; tenant_id: string; scope: 'account' | 'tenant' };

/**
 * Deletes from the invoices bucket the invoice PDFs of each executed erasure whose tenant row is
 * gone, everything under `tenant/<tenantId>/invoice/`, and sets `invoices_purged_at` on the
 * erasure. Invoice rows cascade with the tenant row, so PDFs go when their rows go. That covers
 * tenant erasures and account erasures, which delete the user's personal tenant.
 *
 * While the tenant of an executed erasure still exists, its invoices are the tenant's business
 * records and their PDFs stay. The erasure stays unmarked, so a later run deletes the PDFs once
 * the tenant row is gone. The shred job deletes the tenant row in both scopes, so no erasure
 * leaves its tenant in place today, and this check keeps a live tenant's PDFs if that changes.
 *
 * One replica at a time runs it, under an advisory lock. An erasure is marked purged only when
 * every listed object was deleted, so a failed listing or delete is retried by the next run. Logs
 * carry erasure and tenant ids and error codes, never object contents.
 */
export async function purgeErasedInvoices(deps: InvoicePurgeDependencies): Promise<InvoicePurgeReport> {
  let attempt: { acquired: true; value: InvoicePurgeReport } | { acquired: false };
  try {
    attempt = await deps.db.tryWithAdvisoryLock(INVOICE_PURGE_LOCK, () => purgePending(deps));
  } catch (error) {
    deps.metrics?.runs.inc({ outcome: 'error' });
    throw error;
  }
  if (!attempt.acquired) {
    deps.metrics?.runs.inc({ outcome: 'skipped' });
    deps.log.debug('erasure invoice purge skipped because another replica holds the purge lock');
    return { ran: false, purged: 0, failed: 0, objectsDeleted: 0 };
  }
  deps.metrics?.runs.inc({ outcome: 'completed' });
  return attempt.value;
}

/** Tries every pending erasure once, paging by id so that erasures that keep failing block none. */
async function purgePending(deps: InvoicePurgeDependencies): Promise<InvoicePurgeReport> {
  const report: InvoicePurgeReport = { ran: true, purged: 0, failed: 0, objectsDeleted: 0 };
  let afterId = FIRST_ID;
  for (;;) {
    const { rows } = await deps.db.query<PendingErasure>(
      // tenant_id is text and may name no UUID, so the tenants row is matched by its text form.
      `SELECT r.id, r.tenant_id, r.scope FROM phi_shred_requests r
        WHERE r.executed_at IS NOT NULL AND r.invoices_purged_at IS NULL AND r.id > $1
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
  deps: InvoicePurgeDependencies,
  erasure: PendingErasure,
  report: InvoicePurgeReport,
): Promise<void> {
  const ids = { shredRequestId: erasure.id, tenantId: erasure.tenant_id, scope: erasure.scope };
  let deleted = 0;
  // Invoices reference tenants by UUID, so a tenant id of another form never had invoice PDFs.
  if (UUID_PATTERN.test(erasure.tenant_id)) {
    const prefix = objectKeyPrefix({ tenantId: erasure.tenant_id, kind: INVOICE_OBJECT_KIND });
    let outcome: PrefixDeletion;
    try {
      // NOTE: a PDF render that was running while the erasure executed can store its object after
      // this listing. That render then fails to record the PDF on the deleted invoice row and deletes
      // the object itself. Only when that delete fails too does the object outlive the purge.
      outcome = await deleteObjectsUnderPrefix(deps.store, prefix);
    } catch (error) {
      recordFailure(deps, report);
      deps.log.error(
        { ...ids, err: error },
        'erasure invoice purge could not list or delete the PDFs; the next run retries it',
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
        'erasure invoice purge left PDFs in the bucket; the next run retries it',
      );
      return;
    }
  }

  await deps.db.query('UPDATE phi_shred_requests SET invoices_purged_at = now() WHERE id = $1', [erasure.id]);
  report.purged += 1;
  deps.metrics?.erasures.inc({ outcome: 'purged' });
  deps.log.info({ ...ids, objectsDeleted: deleted }, 'erasure invoice PDFs deleted');
}

function recordFailure(deps: InvoicePurgeDependencies, report: InvoicePurgeReport): void {
  report.failed += 1;
  deps.metrics?.erasures.inc({ outcome: 'failed' });
}
