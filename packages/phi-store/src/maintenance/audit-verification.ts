import type { ChainBreak } from '@skillancer/phi-crypto';
import type { AuditTrail } from '../audit/audit-trail.js';

export interface AuditVerificationProgress {
  chainsVerified: number;
  eventsVerified: number;
  brokenChains: number;
  /** Last tenant id done; pass it back as `afterTenantId` to resume. */
  cursor: string | null;
}

export interface BrokenChain {
  tenantId: string;
  /** Events that verified before the first broken link. */
  verified: number;
  broken: ChainBreak;
}

export interface AuditVerificationSummary extends AuditVerificationProgress {
  broken: BrokenChain[];
}

export interface AuditVerificationOptions {
  /** Verify only these tenants' chains; default every chain. */
  tenantIds?: readonly string[];
  afterTenantId?: string;
  onProgress?: (progress: AuditVerificationProgress) => void;
  signal?: AbortSignal;
}

/**
 * Walks every tenant's audit chain (or the listed ones) and reports, per chain, the first broken
 * link: an edited, reordered or deleted event. Read-only; resumable with `afterTenantId`.
 */
export async function verifyAuditChains(
  audit: AuditTrail,
  options: AuditVerificationOptions = {},
): Promise<AuditVerificationSummary> {
  const progress: AuditVerificationProgress = {
    chainsVerified: 0,
    eventsVerified: 0,
    brokenChains: 0,
    cursor: options.afterTenantId ?? null,
  };
  const broken: BrokenChain[] = [];

  const verifyOne = async (tenantId: string) => {
    options.signal?.throwIfAborted();
    const result = await audit.verifyChain(tenantId);
    progress.chainsVerified += 1;
    progress.eventsVerified += result.verified;
    if (!result.ok) {
      progress.brokenChains += 1;
      broken.push({ tenantId, verified: result.verified, broken: result.broken });
    }
    progress.cursor = tenantId;
    options.onProgress?.({ ...progress });
  };

  if (options.tenantIds !== undefined) {
    for (const tenantId of options.tenantIds) {
      await verifyOne(tenantId);
    }
    return { ...progress, broken };
  }
  for (;;) {
    const tenants = await audit.listChainTenants({ afterTenantId: progress.cursor ?? undefined, limit: 100 });
    for (const tenantId of tenants) {
      await verifyOne(tenantId);
    }
    if (tenants.length < 100) {
      return { ...progress, broken };
    }
  }
}
