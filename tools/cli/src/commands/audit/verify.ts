import { loadConfig } from '@skillancer/config';
import { AuditMacKeys, AuditTrail, isPhiStoreError, verifyAuditChains } from '@skillancer/phi-store';
import { CliError, type CliIo } from '../../runtime/io.js';
import { requireMasterKeyring } from '../../runtime/master-keyring.js';
import { openOperationsDatabase } from '../../runtime/operations-database.js';
import { Output } from '../../runtime/output.js';

/**
 * Walks every tenant's audit chain (or the given tenants') and reports the first broken link of each:
 * an edited, reordered or deleted event, or one rehashed without the audit MAC key. Needs the master
 * keys, because the audit MAC key is stored wrapped by them. Returns 1 when a chain is broken, and
 * fails with a usage error (exit 2) when the master keys cannot unwrap the audit MAC key.
 */
export async function verifyAudit(
  io: CliIo,
  options: { tenantIds: string[]; json?: boolean },
): Promise<number> {
  const config = loadConfig(io.env, io.cwd);
  const output = new Output(io, { json: options.json ?? false });
  const progress = output.throttledProgress();
  const keyring = await requireMasterKeyring(config);
  const db = await openOperationsDatabase(config, io);
  const macKeys = new AuditMacKeys(db, keyring.keyring);
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
    if ((await readMacKeys(macKeys)).size === 0) {
      output.line(
        'No audit MAC key is stored, so every event was checked as plain SHA-256. Services create the key at their first audited operation; if they have run since the upgrade, the key was deleted, so investigate.',
      );
    }
    const summary = await verifyAuditChains(new AuditTrail(db, { macKeys }), {
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
    macKeys.close();
    keyring.keyring.destroy();
    await db.close();
  }
}

/** Unwraps the audit MAC keys, turning a master key problem into a one-line usage error. */
async function readMacKeys(macKeys: AuditMacKeys): Promise<ReadonlyMap<number, Buffer>> {
  try {
    return await macKeys.all();
  } catch (error) {
    if (isPhiStoreError(error, 'audit_key_unreadable')) {
      throw new CliError(`cannot verify the audit trail: ${error.message}`);
    }
    throw error;
  }
}
