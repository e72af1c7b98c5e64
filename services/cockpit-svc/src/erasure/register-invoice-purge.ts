import type { Database } from '@skillancer/database';
import type { ObjectStore } from '@skillancer/object-storage';
import { ErasedObjectPurgeMetrics } from '@skillancer/phi-store';
import { type ServiceApp, type ServiceMetrics, schedulePeriodicJob } from '@skillancer/service-kit';
import { INVOICE_PURGE, purgeErasedInvoices } from './invoice-purge.js';

/**
 * Runs the purge of erased tenants' invoice PDFs (`purgeErasedInvoices`) on a timer with
 * `intervalMs`, from when the app is ready until it closes. Without `intervalMs` it only registers
 * the purge metrics.
 */
export function registerInvoicePurge(
  app: ServiceApp,
  deps: { db: Database; store: ObjectStore; metrics: ServiceMetrics; intervalMs?: number },
): void {
  const log = app.log.child({ component: 'erasure-invoice-purge' });
  const metrics = new ErasedObjectPurgeMetrics(deps.metrics.registry, INVOICE_PURGE);
  if (deps.intervalMs !== undefined) {
    schedulePeriodicJob(app, {
      run: () => purgeErasedInvoices({ db: deps.db, store: deps.store, log, metrics }),
      intervalMs: deps.intervalMs,
      log,
      failureMessage: INVOICE_PURGE.messages.runFailed,
    });
  }
}
