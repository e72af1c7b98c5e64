import { Counter, Histogram, type Metric, type Registry } from 'prom-client';

export type ReconcilerAction =
  | 'operation_resumed'
  | 'operation_failed'
  | 'operation_postponed'
  | 'volume_adopted'
  | 'state_corrected'
  | 'orphan_found'
  | 'orphan_deleted'
  | 'orphan_kept_protected'
  | 'orphan_delete_failed';

/** Prometheus metrics of pod operations and of the reconciler. */
export class PodMetrics {
  readonly operations: Counter<'operation' | 'outcome'>;
  readonly operationDuration: Histogram<'operation'>;
  readonly reconcilerRuns: Counter<'outcome'>;
  readonly reconcilerActions: Counter<'action'>;

  /** Registers the metrics, or reuses them when an earlier app on the same registry registered them. */
  constructor(registry: Registry) {
    this.operations =
      reuse(registry, 'skillpod_operations_total') ??
      new Counter({
        name: 'skillpod_operations_total',
        help: 'Finished pod operations by operation (create, stop, start, resize, delete) and outcome (success, failure, retry)',
        labelNames: ['operation', 'outcome'],
        registers: [registry],
      });
    this.operationDuration =
      reuse(registry, 'skillpod_operation_duration_seconds') ??
      new Histogram({
        name: 'skillpod_operation_duration_seconds',
        help: 'Time from the start of a pod operation attempt to its end, by operation',
        labelNames: ['operation'],
        buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
        registers: [registry],
      });
    this.reconcilerRuns =
      reuse(registry, 'skillpod_reconciler_runs_total') ??
      new Counter({
        name: 'skillpod_reconciler_runs_total',
        help: 'Reconciler runs by outcome: completed, skipped (another replica held the lock) or error',
        labelNames: ['outcome'],
        registers: [registry],
      });
    this.reconcilerActions =
      reuse(registry, 'skillpod_reconciler_actions_total') ??
      new Counter({
        name: 'skillpod_reconciler_actions_total',
        help: 'What the reconciler did: resumed or failed interrupted operations, adopted volumes, corrected states, found and deleted orphan volumes',
        labelNames: ['action'],
        registers: [registry],
      });
  }

  countReconcilerAction(action: ReconcilerAction, count = 1): void {
    if (count > 0) this.reconcilerActions.inc({ action }, count);
  }
}

function reuse<T extends Metric>(registry: Registry, name: string): T | undefined {
  return registry.getSingleMetric(name) as T | undefined;
}
