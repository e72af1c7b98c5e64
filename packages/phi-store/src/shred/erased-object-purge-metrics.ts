import { Counter, type Metric, type Registry } from 'prom-client';
import type { ErasedObjectPurge } from './erased-object-purge-definition.js';

/**
 * Prometheus counters of one erased object purge, named `<metricPrefix>_runs_total`,
 * `<metricPrefix>_erasures_total` and `<metricPrefix>_objects_deleted_total`.
 */
export class ErasedObjectPurgeMetrics {
  readonly runs: Counter<'outcome'>;
  readonly erasures: Counter<'outcome'>;
  readonly objectsDeleted: Counter;

  /** Registers the metrics, or reuses them when an earlier app on the same registry registered them. */
  constructor(registry: Registry, purge: ErasedObjectPurge) {
    const { metricPrefix, name } = purge;
    this.runs = counter(registry, {
      name: `${metricPrefix}_runs_total`,
      help: `Runs of the erasure ${name} purge by outcome: completed, skipped (another replica held the lock) or error`,
      labelNames: ['outcome'],
    });
    this.erasures = counter(registry, {
      name: `${metricPrefix}_erasures_total`,
      help: `Executed erasures of deleted tenants handled by the ${name} purge: purged, or failed and left for the next run`,
      labelNames: ['outcome'],
    });
    this.objectsDeleted = counter(registry, {
      name: `${metricPrefix}_objects_deleted_total`,
      help: purge.objectsDeletedHelp,
    });
  }
}

function counter<T extends string>(
  registry: Registry,
  options: { name: string; help: string; labelNames?: readonly T[] },
): Counter<T> {
  const existing = registry.getSingleMetric(options.name) as Metric<T> | undefined;
  if (existing !== undefined) {
    return existing as Counter<T>;
  }
  return new Counter({ ...options, registers: [registry] });
}
