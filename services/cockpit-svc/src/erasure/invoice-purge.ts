import { objectKeyPrefix } from '@skillancer/object-storage';
import {
  defineErasedObjectPurge,
  type ErasedObjectPurgeDependencies,
  type ErasedObjectPurgeReport,
  purgeErasedObjects,
} from '@skillancer/phi-store';
import { INVOICE_OBJECT_KIND } from '../invoices/invoice-documents.js';

/** Advisory lock that lets one replica at a time purge. */
export const INVOICE_PURGE_LOCK = 'cockpit-svc:erasure-invoice-purge';

/**
 * The purge of erased tenants' invoice PDFs from the invoices bucket (`S3_BUCKET`): everything under
 * `tenant/<tenantId>/invoice/`, marked by `invoices_purged_at`. Invoice rows cascade with the tenant
 * row, so PDFs go when their rows go.
 *
 * While the tenant of an executed erasure still exists, its invoices are the tenant's business
 * records and their PDFs stay. The shred job deletes the tenant row in both scopes, so no erasure
 * leaves its tenant in place today, and the purge's check keeps a live tenant's PDFs if that changes.
 *
 * NOTE: a PDF render that was running while the erasure executed can store its object after the
 * purge listed the prefix. That render then fails to record the PDF on the deleted invoice row and
 * deletes the object itself. Only when that delete fails too does the object outlive the purge.
 */
export const INVOICE_PURGE = defineErasedObjectPurge({
  name: 'invoice',
  objectsNoun: 'PDFs',
  lockName: INVOICE_PURGE_LOCK,
  markerColumn: 'invoices_purged_at',
  prefixOf: (tenantId) => objectKeyPrefix({ tenantId, kind: INVOICE_OBJECT_KIND }),
  metricPrefix: 'cockpit_erasure_invoice_purge',
  objectsDeletedHelp: 'Invoice PDF objects of erased tenants deleted from the invoices bucket',
});

/** Runs `INVOICE_PURGE` once; see `purgeErasedObjects`. `deps.store` is the invoices bucket. */
export function purgeErasedInvoices(deps: ErasedObjectPurgeDependencies): Promise<ErasedObjectPurgeReport> {
  return purgeErasedObjects(INVOICE_PURGE, deps);
}
