import { loadConfig } from '@skillancer/config';
import { AuditTrail, verifyAuditChains } from '@skillancer/phi-store';
import type { CliIo } from '../../runtime/io.js';
import { openOperationsDatabase } from '../../runtime/operations-database.js';
import { Output } from '../../runtime/output.js';

/**
 * Walks every tenant's audit chain (or the given tenants') and reports the first broken link of each:
 * an edited, reordered or deleted event. Needs no master key, because the chain is plain SHA-256.
 * Returns 1 when a chain is broken.
 */
export async function verifyAudit(
  io: CliIo,
  options: { tenantIds: string[]; json?: boolean },
): Promise<number> {
  const config = loadConfig(io.env, io.cwd);
  const output = new Output(io, { json: options.json ?? false });
  const progress = output.throttledProgress();
  const db = await openOperationsDatabase(config, io);
  try {
    const unknown: string[] = [];
    for (const tenantId of options.tenantIds) {
      // A shredded tenant may be gone from `tenants` while its chain remains, so either counts.
      const { rowCount } = await db.query(
        `SELECT 1 FROM tenants WHERE id::text = $1
         UNION ALL SELECT 1 FROM phi_audit_chain_heads WHERE tenant_id::text = $1`,
        [tenantId],
      );
      if (rowCount === 0) unknown.push(tenantId);
    }
    if (unknown.length > 0) {
      output.line(
        `Unknown tenant id(s): ${unknown.join(', ')}; no tenant and no audit chain has this id, so check it.`,
      );
      return 1;
    }
    const summary = await verifyAuditChains(new AuditTrail(db), {
      ...(options.tenantIds.length > 0 ? { tenantIds: options.tenantIds } : {}),
      onProgress: (step) =>
        progress(
          `verified ${step.chainsVerified} chain(s), ${step.eventsVerified} event(s), ${step.brokenChains} broken`,
        ),
    });
    for (const chain of summary.broken) {
      const at =
        chain.broken.sequence === null
          ? `position ${chain.broken.index + 1}`
          : `sequence ${chain.broken.sequence}`;
      output.line(
        `BROKEN  tenant ${chain.tenantId}: first broken link at ${at} (${chain.broken.reason}): ${chain.broken.message}; ${chain.verified} event(s) before it verify`,
      );
    }
    output.line(
      summary.brokenChains === 0
        ? `All ${summary.chainsVerified} audit chain(s) verify (${summary.eventsVerified} event(s)).`
        : `${summary.brokenChains} of ${summary.chainsVerified} audit chain(s) are broken; restore phi_audit_events from a backup and investigate who changed it.`,
    );
    output.result(summary);
    return summary.brokenChains === 0 ? 0 : 1;
  } finally {
    await db.close();
  }
}
