import type { Database } from '@skillancer/database';
import type { ObjectStore } from '@skillancer/object-storage';
import { DEFAULT_SEGMENT_SIZE, type StreamKeySource } from '@skillancer/phi-crypto';
import type { ServiceApp } from '@skillancer/service-kit';
import type { RecordingAuditTrail } from './recording-audit.js';
import { RecordingRepository } from './recording-repository.js';
import { addRecordingRoutes } from './recording-routes.js';
import { RecordingService } from './recording-service.js';
import { RetentionSweeper } from './retention-sweeper.js';

export interface RecordingSettings {
  /** Retention of tenants without their own policy (`RECORDING_RETENTION_DAYS`). */
  defaultRetentionDays: number;
  /** Time between retention sweeps in milliseconds; 0 turns the timer off. */
  sweepIntervalMs: number;
  /**
   * Time between runs of the purge that deletes the recording chunks of erased tenants, in
   * milliseconds. Without it no timer runs.
   */
  erasurePurgeIntervalMs?: number;
  /** Plaintext bytes per encrypted segment; default 64 KiB. */
  segmentSize?: number;
  /** See `RetentionSweeperOptions.staleDeletingMs`. */
  staleDeletingMs?: number;
}

export interface RecordingDependencies {
  db: Database;
  /** The recordings bucket (`S3_BUCKET_RECORDINGS`). */
  store: ObjectStore;
  /** Tenant data keys, normally phi-store's `KeyManager`. */
  keys: StreamKeySource;
  /** phi-store's audit trail. */
  audit: RecordingAuditTrail;
  settings: RecordingSettings;
  /** Clock for creation times and expiry; tests move it. */
  clock?: () => Date;
}

/**
 * Adds the session recording routes to skillpod-svc and the retention sweeper, which starts when
 * the app is ready and stops when it closes. Returns both for callers that drive them directly.
 */
export function registerRecordingRoutes(
  app: ServiceApp,
  deps: RecordingDependencies,
): { service: RecordingService; sweeper: RetentionSweeper } {
  const clock = deps.clock ?? (() => new Date());
  const repository = new RecordingRepository(deps.db, deps.settings.defaultRetentionDays);
  const logger = app.log.child({ component: 'recordings' });
  const service = new RecordingService({
    repository,
    store: deps.store,
    keys: deps.keys,
    audit: deps.audit,
    logger,
    clock,
    segmentSize: deps.settings.segmentSize ?? DEFAULT_SEGMENT_SIZE,
    defaultRetentionDays: deps.settings.defaultRetentionDays,
  });
  const sweeper = new RetentionSweeper({
    db: deps.db,
    repository,
    store: deps.store,
    audit: deps.audit,
    logger,
    clock,
    intervalMs: deps.settings.sweepIntervalMs,
    ...(deps.settings.staleDeletingMs === undefined
      ? {}
      : { staleDeletingMs: deps.settings.staleDeletingMs }),
  });
  addRecordingRoutes(app, { recordings: service });
  app.addHook('onReady', async () => {
    sweeper.start();
  });
  app.addHook('onClose', async () => {
    await sweeper.stop();
  });
  return { service, sweeper };
}

export type { RecordingAuditTrail } from './recording-audit.js';
export { RecordingService } from './recording-service.js';
export { RETENTION_SWEEP_LOCK, RetentionSweeper, type SweepReport } from './retention-sweeper.js';
