import {
  listKeyedTenants,
  type ReencryptSummary,
  reencryptTenant,
  rotateMasterKey,
  rotateTenantKey,
} from '@skillancer/phi-store';
import type { CliIo } from '../../runtime/io.js';
import { Output } from '../../runtime/output.js';
import { type Actor, requireTenantId, withPhiStore } from './phi-session.js';

export interface JobOptions {
  json?: boolean;
  pageSize?: number;
  actor: Actor;
}

/**
 * Rewraps every tenant key, token signing key and audit MAC key onto ENCRYPTION_MASTER_KEY. Safe to run twice
 * and to interrupt: a second run continues with the keys still under a previous master key.
 * Returns 1 when keys failed or remain.
 */
export async function rotateMaster(io: CliIo, options: JobOptions): Promise<number> {
  const output = new Output(io, { json: options.json ?? false });
  const progress = output.throttledProgress();
  return withPhiStore(
    io,
    async ({ keyring, store }) => {
      if (keyring.keyring.keys.length === 1) {
        output.progress(
          'ENCRYPTION_MASTER_KEY_PREVIOUS is not set, so only keys already under ENCRYPTION_MASTER_KEY are found; to rotate, set the new key as ENCRYPTION_MASTER_KEY and the old one as ENCRYPTION_MASTER_KEY_PREVIOUS',
        );
      }
      const summary = await rotateMasterKey(store, {
        actor: options.actor,
        ...(options.pageSize === undefined ? {} : { pageSize: options.pageSize }),
        onProgress: (step) =>
          progress(
            `rewrapped ${step.rewrapped} of ${step.total} tenant key(s), ${step.skipped} skipped, ${step.failed} failed`,
          ),
      });
      const { tenantKeys, signingKeys, auditMacKeys } = summary;
      for (const failure of tenantKeys.failures) {
        output.line(
          `failed  tenant ${failure.tenantId} ${failure.purpose} key version ${failure.version} under ${failure.masterKeyId}: ${failure.message}`,
        );
      }
      for (const failure of signingKeys.failures) {
        output.line(`failed  token signing key ${failure.kid}: ${failure.message}`);
      }
      for (const failure of auditMacKeys.failures) {
        output.line(`failed  audit MAC key version ${failure.version}: ${failure.message}`);
      }
      if (signingKeys.legacy > 0) {
        output.line(
          `${signingKeys.legacy} token signing key(s) are in the earlier sealed format; start auth-svc once to convert them, then run this again.`,
        );
      }
      output.line(
        `Rewrapped ${tenantKeys.rewrapped} tenant key(s), ${signingKeys.rewrapped} token signing key(s) and ${auditMacKeys.rewrapped} audit MAC key(s) onto ${tenantKeys.currentMasterKeyId}; ${tenantKeys.skipped} skipped, ${tenantKeys.failed + signingKeys.failures.length + auditMacKeys.failures.length} failed, ${tenantKeys.remaining} remaining.`,
      );
      output.line(
        summary.complete
          ? 'Rotation complete: nothing is wrapped by a previous master key, so ENCRYPTION_MASTER_KEY_PREVIOUS can be removed.'
          : 'Rotation not complete: keep ENCRYPTION_MASTER_KEY_PREVIOUS and run `skillancer keys rotate-master` again.',
      );
      output.result(summary);
      return summary.complete ? 0 : 1;
    },
    // rotateMasterKey checks the keyring itself.
    { verify: false },
  );
}

/** Creates the next data (or index) key version of one tenant or of every tenant with keys. */
export async function rotateTenants(
  io: CliIo,
  target: { tenantId?: string; all: boolean; purpose: 'data' | 'index' },
  options: JobOptions,
): Promise<number> {
  const output = new Output(io, { json: options.json ?? false });
  return withPhiStore(io, async ({ store }) => {
    const tenants = target.all ? await allKeyedTenants(store) : [requireTenantId(target.tenantId ?? '')];
    const rotated: Array<{ tenantId: string; version: number }> = [];
    for (const tenantId of tenants) {
      const info = await rotateTenantKey(store, tenantId, { actor: options.actor, purpose: target.purpose });
      rotated.push({ tenantId, version: info.version });
      output.line(`tenant ${tenantId}: ${target.purpose} key version ${info.version} is now current`);
    }
    output.line(
      `Rotated ${rotated.length} tenant key(s). New values use the new version; run \`skillancer keys reencrypt\` to move existing values.`,
    );
    output.result({ purpose: target.purpose, rotated });
    return 0;
  });
}

async function allKeyedTenants(store: Parameters<typeof listKeyedTenants>[0]): Promise<string[]> {
  const tenants: string[] = [];
  for (;;) {
    const page = await listKeyedTenants(store, { afterTenantId: tenants[tenants.length - 1], limit: 100 });
    tenants.push(...page);
    if (page.length < 100) return tenants;
  }
}

/**
 * Moves PHI record fields and tokens of one tenant (or every tenant with keys) to the newest data
 * key version. Resumable: values already on the newest version are left alone, so a second run
 * continues where an interrupted one stopped. Returns 1 when values failed.
 */
export async function reencrypt(
  io: CliIo,
  target: { tenantId?: string },
  options: JobOptions,
): Promise<number> {
  const output = new Output(io, { json: options.json ?? false });
  const progress = output.throttledProgress();
  return withPhiStore(io, async ({ store }) => {
    const tenants =
      target.tenantId === undefined ? await allKeyedTenants(store) : [requireTenantId(target.tenantId)];
    const summaries: ReencryptSummary[] = [];
    for (const tenantId of tenants) {
      const summary = await reencryptTenant(store, tenantId, {
        actor: options.actor,
        ...(options.pageSize === undefined ? {} : { pageSize: options.pageSize }),
        onProgress: (step) =>
          progress(
            `tenant ${tenantId}: ${step.phase}, ${step.recordsScanned} record(s) scanned, ${step.fieldsReencrypted} field(s) and ${step.tokensReencrypted} token(s) re-encrypted, ${step.failed} failed`,
          ),
      });
      summaries.push(summary);
      for (const failure of summary.failures) {
        output.line(
          `failed  tenant ${tenantId} record ${failure.recordId} field ${failure.field}: ${failure.message}`,
        );
      }
      output.line(
        `tenant ${tenantId}: ${summary.fieldsReencrypted} field(s), ${summary.tokensReencrypted} token(s) and ${summary.indexesRefreshed} blind index(es) moved to data key version ${summary.toVersion ?? '-'}; ${summary.skipped} skipped, ${summary.legacy} legacy, ${summary.failed} failed`,
      );
    }
    const failed = summaries.reduce((sum, summary) => sum + summary.failed, 0);
    const legacy = summaries.reduce((sum, summary) => sum + summary.legacy, 0);
    output.line(`Re-encrypted ${summaries.length} tenant(s); ${failed} value(s) failed.`);
    if (legacy > 0)
      output.line(`${legacy} value(s) are in the legacy format: run \`skillancer keys migrate-legacy\`.`);
    output.result({ tenants: summaries });
    return failed === 0 ? 0 : 1;
  });
}
