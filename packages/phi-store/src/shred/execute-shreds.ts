import type { KeyPurpose } from '@skillancer/phi-crypto';
import type { AuditEventInput } from '../audit/audit-types.js';
import type { PhiStore } from '../phi-store.js';
import { SYSTEM_ACTOR } from '../phi-store.js';
import { type StoredShredRequest, toShredRequest } from './shred-requests.js';
import { type ErasureCounts, eraseTenantData } from './tenant-erasure.js';

/** The job lock: one replica at a time executes shreds. */
export const SHRED_JOB_LOCK = 'skillancer:phi-shred-job';

export interface ShredRunProgress {
  /** Due requests found by this run. */
  due: number;
  executed: number;
  failed: number;
}

/** One executed erasure, as recorded in the `tenant.shred` audit event. */
export interface ExecutedShred {
  requestId: string;
  tenantId: string;
  scope: StoredShredRequest['scope'];
  destroyedKeys: Array<{ purpose: KeyPurpose; version: number; masterKeyId: string }>;
  counts: ErasureCounts;
}

export interface ShredFailure {
  requestId: string;
  tenantId: string;
  message: string;
  error: unknown;
}

export interface ShredRunSummary extends ShredRunProgress {
  /** False when another process held the job lock, so this run did nothing. */
  ran: boolean;
  executions: ExecutedShred[];
  failures: ShredFailure[];
}

export interface ShredRunOptions {
  /** Requests handled per run; default 50. The rest wait for the next run. */
  limit?: number;
  /** Actor of the audit events; default the store itself. */
  actor?: { type: string; id: string };
  onProgress?: (progress: ShredRunProgress) => void;
}

/**
 * Executes the shred requests that are due at the store's clock. For each, it destroys every key
 * version of the tenant (crypto-shredding, after which none of its ciphertexts decrypts) and
 * deletes its data (see `eraseTenantData`). The transaction that marks the request executed also
 * records each destroyed key version and a `tenant.shred` summary in the tenant's audit chain.
 *
 * Safe to run from several replicas (one holds the job lock at a time) and after a crash: a
 * started request stays due, destroying keys again is a no-op, and the audit events list every
 * destroyed version from the key table. A failing request is reported and does not stop the others.
 */
export async function executeDueShreds(
  store: PhiStore,
  options: ShredRunOptions = {},
): Promise<ShredRunSummary> {
  const attempt = await store.db.tryWithAdvisoryLock(SHRED_JOB_LOCK, () => runDue(store, options));
  if (attempt.acquired) {
    return attempt.value;
  }
  return { ran: false, due: 0, executed: 0, failed: 0, executions: [], failures: [] };
}

async function runDue(store: PhiStore, options: ShredRunOptions): Promise<ShredRunSummary> {
  const due = await store.shredRequests.listDue(new Date(store.clock()), options.limit ?? 50);
  const summary: ShredRunSummary = {
    ran: true,
    due: due.length,
    executed: 0,
    failed: 0,
    executions: [],
    failures: [],
  };
  for (const request of due) {
    try {
      const execution = await executeShredRequest(store, request.id, options.actor ?? SYSTEM_ACTOR);
      if (execution !== undefined) {
        summary.executions.push(execution);
        summary.executed += 1;
      }
    } catch (error) {
      summary.failed += 1;
      summary.failures.push({
        requestId: request.id,
        tenantId: request.tenantId,
        message: error instanceof Error ? error.message : String(error),
        error,
      });
    }
    options.onProgress?.({ due: summary.due, executed: summary.executed, failed: summary.failed });
  }
  return summary;
}

/**
 * Executes one due request; returns undefined when it was cancelled or executed meanwhile. Once
 * claimed, the request can no longer be cancelled.
 */
export async function executeShredRequest(
  store: PhiStore,
  requestId: string,
  actor: { type: string; id: string },
): Promise<ExecutedShred | undefined> {
  const request = await store.shredRequests.claim(requestId, new Date(store.clock()));
  if (request === undefined) {
    return undefined;
  }
  await store.keys.shredTenant(request.tenantId, { request: toShredRequest(request) });
  const destroyedKeys = (await store.keys.listTenantKeys(request.tenantId))
    .filter((key) => key.state === 'destroyed')
    .map((key) => ({ purpose: key.purpose, version: key.version, masterKeyId: key.masterKeyId }));

  const counts = await store.db.transaction(async (tx) => {
    const erased = await eraseTenantData(tx, request);
    await store.audit.append(shredEvents(request, actor, destroyedKeys, erased), { tx });
    await store.shredRequests.markExecuted(tx, request.id, new Date(store.clock()));
    return erased;
  });
  return { requestId: request.id, tenantId: request.tenantId, scope: request.scope, destroyedKeys, counts };
}

function shredEvents(
  request: StoredShredRequest,
  actor: { type: string; id: string },
  destroyedKeys: ExecutedShred['destroyedKeys'],
  counts: ErasureCounts,
): AuditEventInput[] {
  const base = { actor, purpose: 'erasure', outcome: 'success' as const };
  const events: AuditEventInput[] = destroyedKeys.map((key) => ({
    ...base,
    tenantId: request.tenantId,
    action: 'key.destroy',
    resource: { type: 'tenant_key', id: `${key.purpose}:${key.version}` },
    keyVersion: key.purpose === 'data' ? key.version : null,
    details: { masterKeyId: key.masterKeyId, shredRequestId: request.id },
  }));
  for (const record of counts.userRecordsInOtherTenants) {
    events.push({
      ...base,
      tenantId: record.tenantId,
      action: 'phi.delete',
      resource: { type: 'phi_record', id: record.recordId },
      details: { shredRequestId: request.id, erasedUserId: request.userId },
    });
  }
  events.push({
    ...base,
    tenantId: request.tenantId,
    action: 'tenant.shred',
    resource: { type: 'tenant', id: request.tenantId },
    details: {
      shredRequestId: request.id,
      scope: request.scope,
      requestedBy: request.requestedBy,
      requestedAt: request.requestedAt.toISOString(),
      destroyedKeyVersions: destroyedKeys.map((key) => `${key.purpose}:${key.version}`),
      recordsDeleted: counts.records,
      tokensDeleted: counts.tokens,
      userRecordsDeletedInOtherTenants: counts.userRecordsInOtherTenants.length,
      tenantDeleted: counts.tenantDeleted,
      user: counts.user,
    },
  });
  return events;
}
