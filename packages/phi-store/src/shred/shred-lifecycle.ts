import type { PhiStore } from '../phi-store.js';
import type { ShredScope, StoredShredRequest } from './shred-requests.js';

export interface RequestShredInput {
  tenantId: string;
  scope: ShredScope;
  /** The user to erase with an `account` request. */
  userId?: string;
  actor: { type: string; id: string };
  reason: string;
  /** Waiting period in hours before the keys are destroyed; 0 makes the request due at once. */
  delayHours: number;
}

/**
 * Stores a shred request and its `tenant.shred_requested` audit event in one transaction. Throws
 * `shred_request_exists` when the tenant already has a pending request.
 */
export async function requestTenantShred(
  store: PhiStore,
  input: RequestShredInput,
): Promise<StoredShredRequest> {
  return store.db.transaction(async (tx) => {
    const request = await store.shredRequests.create(
      {
        tenantId: input.tenantId,
        scope: input.scope,
        ...(input.userId === undefined ? {} : { userId: input.userId }),
        requestedBy: input.actor.id,
        reason: input.reason,
        requestedAt: new Date(store.clock()),
        delayHours: input.delayHours,
      },
      tx,
    );
    await store.audit.append(
      {
        tenantId: input.tenantId,
        actor: input.actor,
        action: 'tenant.shred_requested',
        resource: { type: 'shred_request', id: request.id },
        purpose: 'erasure',
        outcome: 'success',
        details: { scope: request.scope, dueAt: request.dueAt.toISOString() },
      },
      { tx },
    );
    return request;
  });
}

/**
 * Cancels the tenant's pending shred request and records `tenant.shred_cancelled`. Throws
 * `shred_request_not_found` when nothing is pending and `shred_request_started` when the job has
 * already started it.
 */
export async function cancelTenantShred(
  store: PhiStore,
  tenantId: string,
  actor: { type: string; id: string },
): Promise<StoredShredRequest> {
  return store.db.transaction(async (tx) => {
    const request = await store.shredRequests.cancel(tenantId, actor.id, new Date(store.clock()), tx);
    await store.audit.append(
      {
        tenantId,
        actor,
        action: 'tenant.shred_cancelled',
        resource: { type: 'shred_request', id: request.id },
        purpose: 'erasure',
        outcome: 'success',
      },
      { tx },
    );
    return request;
  });
}
