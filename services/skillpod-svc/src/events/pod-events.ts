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

/**
 * Receives pod lifecycle events. The service calls `record` after the state change is committed; a
 * rejected promise is logged and does not undo the change.
 *
 * NOTE: a crash between the commit and `record` loses the event; a complete audit trail needs the
 * event written in the same transaction as the state change (an outbox).
 */
export interface PodEventSink {
  record(event: PodEvent): Promise<void>;
}

/** A sink that writes each event as one structured info line. */
export class LoggingPodEventSink implements PodEventSink {
  readonly #logger: FastifyBaseLogger;

  constructor(logger: FastifyBaseLogger) {
    this.#logger = logger;
  }

  async record(event: PodEvent): Promise<void> {
    this.#logger.info({ podEvent: event }, `pod event ${event.action} (${event.outcome})`);
  }
}

/** A sink that keeps events in memory, for tests. */
export class MemoryPodEventSink implements PodEventSink {
  readonly events: PodEvent[] = [];

  async record(event: PodEvent): Promise<void> {
    this.events.push(event);
  }

  /** Returns the actions recorded for one pod, in order. */
  actionsOf(podId: string): string[] {
    return this.events
      .filter((event) => event.podId === podId)
      .map((event) => `${event.action}:${event.outcome}`);
  }
}
