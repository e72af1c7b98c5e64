import type { Database, Queryable, Row } from '@skillancer/database';
import type { FastifyBaseLogger } from 'fastify';
import type { AuditOutboxMetrics, DeliveryTrigger } from './audit-outbox-metrics.js';
import type { DeliveredPodEvent, PodEvent, PodEventAction, PodEventSink } from './pod-events.js';

/** Outbox rows of one pod that one delivery transaction takes. */
const ROWS_PER_DELIVERY = 100;
/** Pods one drain query lists. */
const PODS_PER_PAGE = 100;

/** A pod state change and the event it produced, or null when it produced none. */
export interface RecordedChange<T> {
  value: T;
  event: PodEvent | null;
}

/** Result of delivering one pod's pending events. */
export interface PodDelivery {
  delivered: number;
  /** True when a delivery transaction failed; its events and the pod's later ones stay in the outbox. */
  failed: boolean;
}

/** Counts of one drain: events delivered, and pods whose delivery failed and was left for the next drain. */
export interface OutboxDrainReport {
  delivered: number;
  failedPods: number;
}

export interface PodAuditOutboxDependencies {
  db: Database;
  sink: PodEventSink;
  logger: FastifyBaseLogger;
  metrics: AuditOutboxMetrics;
}

/**
 * The transactional outbox of pod lifecycle events (`pod_audit_outbox`). A state change and the
 * event that records it commit in one transaction (`commit`). Each delivery transaction locks a pod's
 * pending rows in id order, hands their events to the sink inside that transaction and deletes them,
 * so a crash keeps both the event and its row, or neither. A row is delivered once even when the
 * immediate delivery, the drains of several replicas and later changes of the same pod race, because
 * they wait for each other's row locks. A pod's events reach the sink in the order of its changes,
 * and an event that fails holds back the pod's later ones.
 */
export class PodAuditOutbox {
  readonly #deps: PodAuditOutboxDependencies;

  constructor(deps: PodAuditOutboxDependencies) {
    this.#deps = deps;
  }

  /**
   * Runs `change` in a transaction and inserts the event it returns into the outbox in the same
   * transaction. After the commit it delivers the pod's pending events at once, and a failed delivery
   * is logged and left to the drain. `change` must insert or update the pod's row before it returns
   * an event, because that row lock is what orders one pod's outbox ids by commit.
   */
  async commit<T>(change: (tx: Queryable) => Promise<RecordedChange<T>>): Promise<T> {
    const { value, event } = await this.#deps.db.transaction(async (tx) => {
      const result = await change(tx);
      if (result.event !== null) await insertEvent(tx, result.event);
      return result;
    });
    if (event !== null) await this.deliver(event.podId, 'immediate');
    return value;
  }

  /** Delivers all pending events of one pod, oldest first. Logs and counts a failure instead of raising it. */
  async deliver(podId: string, trigger: DeliveryTrigger): Promise<PodDelivery> {
    let delivered = 0;
    for (;;) {
      const batch = await this.#deliverBatch(podId, trigger);
      if (batch === null) return { delivered, failed: true };
      delivered += batch;
      if (batch < ROWS_PER_DELIVERY) return { delivered, failed: false };
    }
  }

  /**
   * Delivers the pending events of every pod, pods with the oldest event first. A pod whose delivery
   * fails is skipped for the rest of this drain. Stops between pods once `signal` is aborted.
   */
  async drain(signal?: AbortSignal): Promise<OutboxDrainReport> {
    const report: OutboxDrainReport = { delivered: 0, failedPods: 0 };
    const failed: string[] = [];
    const halted = (): boolean => signal?.aborted === true;
    while (!halted()) {
      const podIds = await this.#listPendingPods(failed);
      if (podIds.length === 0) break;
      for (const podId of podIds) {
        if (halted()) break;
        const delivery = await this.deliver(podId, 'drain');
        report.delivered += delivery.delivered;
        if (delivery.failed) {
          failed.push(podId);
          report.failedPods += 1;
        }
      }
    }
    return report;
  }

  /** Counts the pending events and the age of the oldest one, in seconds (0 when none is pending). */
  async pendingStats(): Promise<{ pending: number; oldestSeconds: number }> {
    const { rows } = await this.#deps.db.query<{ pending: number; oldest_seconds: number | null }>(
      `SELECT count(*)::integer AS pending,
         EXTRACT(EPOCH FROM now() - min(occurred_at))::double precision AS oldest_seconds
       FROM pod_audit_outbox`,
    );
    const row = rows[0];
    return {
      pending: Number(row?.pending ?? 0),
      oldestSeconds: Math.max(0, Number(row?.oldest_seconds ?? 0)),
    };
  }

  /** Delivers up to ROWS_PER_DELIVERY of the pod's oldest rows in one transaction; null when it failed. */
  async #deliverBatch(podId: string, trigger: DeliveryTrigger): Promise<number | null> {
    const { db, sink, logger, metrics } = this.#deps;
    let outboxIds: string[] = [];
    let tenantId: string | undefined;
    try {
      const delivered = await db.transaction(async (tx) => {
        // FOR UPDATE locks the rows in id order. A concurrent delivery of the same pod waits for the
        // first locked row and, once that row is deleted, skips it, so events are never delivered twice
        // or out of order.
        const { rows } = await tx.query(
          `SELECT id, tenant_id, pod_id, actor_user_id, action, outcome, details, occurred_at
           FROM pod_audit_outbox WHERE pod_id = $1
           ORDER BY id LIMIT $2
           FOR UPDATE`,
          [podId, ROWS_PER_DELIVERY],
        );
        outboxIds = rows.map((row) => String(row.id));
        tenantId = rows[0] === undefined ? undefined : String(rows[0].tenant_id);
        for (const row of rows) await sink.record(toDeliveredEvent(row), { tx });
        if (outboxIds.length > 0) {
          await tx.query('DELETE FROM pod_audit_outbox WHERE id = ANY($1::bigint[])', [outboxIds]);
        }
        return rows.length;
      });
      metrics.countDeliveries(trigger, 'delivered', delivered);
      return delivered;
    } catch (error) {
      metrics.countDeliveries(trigger, 'failed', outboxIds.length);
      const ids = { err: error, podId, tenantId, outboxIds, trigger };
      if (trigger === 'immediate') {
        logger.warn(ids, 'delivering pod audit events failed; they stay in the outbox for the next drain');
      } else {
        logger.error(ids, 'delivering pod audit events failed; they stay in the outbox for the next drain');
      }
      return null;
    }
  }

  async #listPendingPods(excluded: readonly string[]): Promise<string[]> {
    const { rows } = await this.#deps.db.query<{ pod_id: string }>(
      `SELECT pod_id FROM pod_audit_outbox
       WHERE NOT (pod_id = ANY($1::uuid[]))
       GROUP BY pod_id
       ORDER BY min(id)
       LIMIT $2`,
      [excluded, PODS_PER_PAGE],
    );
    return rows.map((row) => row.pod_id);
  }
}

async function insertEvent(tx: Queryable, event: PodEvent): Promise<void> {
  await tx.query(
    `INSERT INTO pod_audit_outbox (tenant_id, pod_id, actor_user_id, action, outcome, details)
     VALUES ($1, $2, $3, $4, $5, $6::jsonb)`,
    [
      event.tenantId,
      event.podId,
      event.actorUserId ?? null,
      event.action,
      event.outcome,
      // A JSON round trip drops undefined values.
      JSON.stringify(event.details),
    ],
  );
}

function toDeliveredEvent(row: Row): DeliveredPodEvent {
  const actorUserId = row.actor_user_id as string | null;
  return {
    tenantId: row.tenant_id as string,
    ...(actorUserId === null ? {} : { actorUserId }),
    action: row.action as PodEventAction,
    podId: row.pod_id as string,
    outcome: row.outcome as 'success' | 'failure',
    details: row.details as Record<string, unknown>,
    occurredAt: row.occurred_at as Date,
  };
}
