import type { Database } from '@skillancer/database';
import type { ObjectStore } from '@skillancer/object-storage';
import type { ServiceApp, ServiceMetrics } from '@skillancer/service-kit';
import { purgeErasedInvoices } from './invoice-purge.js';
import { InvoicePurgeMetrics } from './invoice-purge-metrics.js';
import { startInvoicePurgeTimer } from './invoice-purge-timer.js';

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
  const metrics = new InvoicePurgeMetrics(deps.metrics.registry);
  const purge = () => purgeErasedInvoices({ db: deps.db, store: deps.store, log, metrics });
  const { intervalMs } = deps;
  if (intervalMs !== undefined) {
    let stop: (() => Promise<void>) | undefined;
    app.addHook('onReady', async () => {
      stop = startInvoicePurgeTimer({ purge, intervalMs, log });
    });
    app.addHook('onClose', async () => {
      await stop?.();
    });
  }
}
