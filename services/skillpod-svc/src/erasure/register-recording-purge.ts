import type { Database } from '@skillancer/database';
import type { ObjectStore } from '@skillancer/object-storage';
import { ErasedObjectPurgeMetrics } from '@skillancer/phi-store';
import { type ServiceApp, type ServiceMetrics, schedulePeriodicJob } from '@skillancer/service-kit';
import { purgeErasedRecordings, RECORDING_PURGE } from './recording-purge.js';

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
  const metrics = new ErasedObjectPurgeMetrics(deps.metrics.registry, RECORDING_PURGE);
  if (deps.intervalMs !== undefined) {
    schedulePeriodicJob(app, {
      run: () => purgeErasedRecordings({ db: deps.db, store: deps.store, log, metrics }),
      intervalMs: deps.intervalMs,
      log,
      failureMessage: RECORDING_PURGE.messages.runFailed,
    });
  }
}
