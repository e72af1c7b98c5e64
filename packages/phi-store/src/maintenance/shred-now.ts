import { PhiStoreError } from '../errors.js';
import type { PhiStore } from '../phi-store.js';
import { type ExecutedShred, executeShredRequest } from '../shred/execute-shreds.js';
import { requestTenantShred } from '../shred/shred-lifecycle.js';

/**
 * Erases a tenant at once, for `skillancer keys shred-tenant`: stores a request with no waiting
 * period and executes it (see `executeShredRequest`). A tenant with a pending request gets
 * `shred_request_exists`; cancel it first, or wait for the job.
 */
export async function shredTenantNow(
  store: PhiStore,
  input: { tenantId: string; actor: { type: string; id: string }; reason: string },
): Promise<ExecutedShred> {
  const request = await requestTenantShred(store, { ...input, scope: 'tenant', delayHours: 0 });
  const executed = await executeShredRequest(store, request.id, input.actor);
  if (executed === undefined) {
    throw new PhiStoreError(
      'shred_request_not_found',
      `shred request ${request.id} of tenant ${input.tenantId} was cancelled or executed by another process before it ran`,
    );
  }
  return executed;
}
