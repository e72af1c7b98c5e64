import { Counter, Gauge, type Metric, type Registry } from 'prom-client';

/** Source of a delivery: the process that committed the change, or the periodic drain. */
export type DeliveryTrigger = 'immediate' | 'drain';

/** Prometheus metrics of the pod audit outbox. */
export class AuditOutboxMetrics {
  readonly deliveries: Counter<'trigger' | 'outcome'>;
  readonly drainRuns: Counter<'outcome'>;
  readonly pending: Gauge;
  readonly oldestPendingSeconds: Gauge;

  /** Registers the metrics, or reuses them when an earlier app on the same registry registered them. */
  constructor(registry: Registry) {
    this.deliveries =
      registered(registry, 'skillpod_audit_outbox_deliveries_total') ??
      new Counter({
        name: 'skillpod_audit_outbox_deliveries_total',
        help: 'Pod audit events taken from the outbox, by trigger (immediate, drain) and outcome (delivered, failed); a failed event stays in the outbox',
        labelNames: ['trigger', 'outcome'],
        registers: [registry],
      });
    this.drainRuns =
      registered(registry, 'skillpod_audit_outbox_drain_runs_total') ??
      new Counter({
        name: 'skillpod_audit_outbox_drain_runs_total',
        help: 'Audit outbox drain runs by outcome: completed, skipped (another replica held the lock) or error',
        labelNames: ['outcome'],
        registers: [registry],
      });
    this.pending =
      registered(registry, 'skillpod_audit_outbox_pending_events') ??
      new Gauge({
        name: 'skillpod_audit_outbox_pending_events',
        help: 'Pod audit events still in the outbox after the latest drain run of this replica',
        registers: [registry],
      });
    this.oldestPendingSeconds =
      registered(registry, 'skillpod_audit_outbox_oldest_pending_seconds') ??
      new Gauge({
        name: 'skillpod_audit_outbox_oldest_pending_seconds',
        help: 'Age of the oldest pod audit event still in the outbox after the latest drain run of this replica; 0 when none is pending',
        registers: [registry],
      });
  }

  countDeliveries(trigger: DeliveryTrigger, outcome: 'delivered' | 'failed', count: number): void {
    if (count > 0) this.deliveries.inc({ trigger, outcome }, count);
  }
}

function registered<T extends Metric>(registry: Registry, name: string): T | undefined {
  return registry.getSingleMetric(name) as T | undefined;
}
