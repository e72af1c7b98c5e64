import type { Queryable } from '@skillancer/database';
import type { FastifyBaseLogger } from 'fastify';

/** Action of a pod event. A failed stop, start, resize or delete keeps its action with outcome `failure`. */
export type PodEventAction =
  | 'pod.created'
  | 'pod.ready'
  | 'pod.failed'
  | 'pod.resized'
  | 'pod.stopped'
  | 'pod.started'
  | 'pod.deleted';

/** One lifecycle event of a pod, as the audit trail receives it. */
export interface PodEvent {
  tenantId: string;
  /** User whose request started the operation; absent for work the reconciler finished on its own. */
  actorUserId?: string;
  action: PodEventAction;
  podId: string;
  outcome: 'success' | 'failure';
  /** Facts of the event such as sizes, the provider volume id or the failure code; never secrets or PHI. */
  details: Record<string, unknown>;
}

/** A pod event as the audit outbox delivers it. */
export interface DeliveredPodEvent extends PodEvent {
  /** Start of the transaction that changed the pod's state. */
  occurredAt: Date;
}

/**
 * Receives pod lifecycle events from the audit outbox (see `PodAuditOutbox`), inside the transaction
 * that deletes the event's outbox row. A sink that writes to the service's database must write with
 * `options.tx`, so that the event and the deletion commit together or not at all. Other sinks (the
 * log, memory) may receive an event again when that transaction fails after `record` returned.
 */
export interface PodEventSink {
  record(event: DeliveredPodEvent, options: { tx: Queryable }): Promise<void>;
}

/** A sink that writes each event as one structured info line. */
export class LoggingPodEventSink implements PodEventSink {
  readonly #logger: FastifyBaseLogger;

  constructor(logger: FastifyBaseLogger) {
    this.#logger = logger;
  }

  async record(event: DeliveredPodEvent): Promise<void> {
    this.#logger.info({ podEvent: event }, `pod event ${event.action} (${event.outcome})`);
  }
}

/** A sink that keeps events in memory, for tests. */
export class MemoryPodEventSink implements PodEventSink {
  readonly events: DeliveredPodEvent[] = [];

  async record(event: DeliveredPodEvent): Promise<void> {
    this.events.push(event);
  }

  /** Returns the actions recorded for one pod, in order. */
  actionsOf(podId: string): string[] {
    return this.events
      .filter((event) => event.podId === podId)
      .map((event) => `${event.action}:${event.outcome}`);
  }
}
