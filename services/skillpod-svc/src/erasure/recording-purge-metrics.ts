import { Counter, type Metric, type Registry } from 'prom-client';

/** Prometheus metrics of the purge that deletes the recording chunks of erased tenants. */
export class RecordingPurgeMetrics {
  readonly runs: Counter<'outcome'>;
  readonly erasures: Counter<'outcome'>;
  readonly objectsDeleted: Counter;

  /** Registers the metrics, or reuses them when an earlier app on the same registry registered them. */
  constructor(registry: Registry) {
    this.runs =
      reuse(registry, 'skillpod_erasure_recording_purge_runs_total') ??
      new Counter({
        name: 'skillpod_erasure_recording_purge_runs_total',
        help: 'Runs of the erasure recording purge by outcome: completed, skipped (another replica held the lock) or error',
        labelNames: ['outcome'],
        registers: [registry],
      });
    this.erasures =
      reuse(registry, 'skillpod_erasure_recording_purge_erasures_total') ??
      new Counter({
        name: 'skillpod_erasure_recording_purge_erasures_total',
        help: 'Executed erasures of deleted tenants handled by the recording purge: purged, or failed and left for the next run',
        labelNames: ['outcome'],
        registers: [registry],
      });
    this.objectsDeleted =
      reuse(registry, 'skillpod_erasure_recording_purge_objects_deleted_total') ??
      new Counter({
        name: 'skillpod_erasure_recording_purge_objects_deleted_total',
        help: 'Recording chunk objects of erased tenants deleted from the recordings bucket',
        registers: [registry],
      });
  }
}

function reuse<T extends Metric>(registry: Registry, name: string): T | undefined {
  return registry.getSingleMetric(name) as T | undefined;
}
