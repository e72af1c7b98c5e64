import type { Database } from '@skillancer/database';
import type { ObjectStore } from '@skillancer/object-storage';
import type { ServiceApp, ServiceMetrics } from '@skillancer/service-kit';
import { purgeErasedRecordings } from './recording-purge.js';
import { RecordingPurgeMetrics } from './recording-purge-metrics.js';
import { startRecordingPurgeTimer } from './recording-purge-timer.js';

/**
 * Runs the purge of erased tenants' recording chunks (`purgeErasedRecordings`) on a timer with
 * `intervalMs`, from when the app is ready until it closes. Without `intervalMs` it only registers
 * the purge metrics.
 */
export function registerRecordingPurge(
  app: ServiceApp,
  deps: { db: Database; store: ObjectStore; metrics: ServiceMetrics; intervalMs?: number },
): void {
  const log = app.log.child({ component: 'erasure-recording-purge' });
  const metrics = new RecordingPurgeMetrics(deps.metrics.registry);
  const purge = () => purgeErasedRecordings({ db: deps.db, store: deps.store, log, metrics });
  const { intervalMs } = deps;
  if (intervalMs !== undefined) {
    let stop: (() => Promise<void>) | undefined;
    app.addHook('onReady', async () => {
      stop = startRecordingPurgeTimer({ purge, intervalMs, log });
    });
    app.addHook('onClose', async () => {
      await stop?.();
    });
  }
}
