import type { Queryable } from '@skillancer/database';
import type { AuditDetails, AuditEventInput } from '@skillancer/phi-store';
import type { DeliveredPodEvent, PodEventSink } from './pod-events.js';

/** The part of phi-store's `AuditTrail` that pod events use. */
export interface PodAuditTrail {
  append(events: AuditEventInput, options?: { tx?: Queryable }): Promise<unknown>;
}

/** Actor of events for work the reconciler finished without a user request. */
export const RECONCILER_ACTOR = { type: 'system', id: 'skillpod-reconciler' } as const;

/**
 * Writes pod lifecycle events into the tenant's hash-chained audit trail within the outbox's delivery
 * transaction, so an event is stored if and only if its outbox row is deleted.
 */
export class AuditTrailPodEventSink implements PodEventSink {
  constructor(private readonly audit: PodAuditTrail) {}

  async record(event: DeliveredPodEvent, options: { tx: Queryable }): Promise<void> {
    await this.audit.append(
      {
        tenantId: event.tenantId,
        actor: event.actorUserId === undefined ? RECONCILER_ACTOR : { type: 'user', id: event.actorUserId },
        action: event.action,
        resource: { type: 'skillpod', id: event.podId },
        purpose: 'workspace_lifecycle',
        outcome: event.outcome,
        // A JSON round trip drops undefined values, which the audit details do not accept.
        details: JSON.parse(JSON.stringify(event.details)) as AuditDetails,
        occurredAt: event.occurredAt,
      },
      { tx: options.tx },
    );
  }
}
