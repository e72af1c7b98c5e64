import { type KeyStatus, readKeyStatus, type TenantKeySummary } from '@skillancer/phi-store';
import type { CliIo } from '../../runtime/io.js';
import { formatTable, Output } from '../../runtime/output.js';
import { checkMasterKey } from '../doctor/master-key-check.js';
import { withPhiStore } from './phi-session.js';

/**
 * Prints the master key check, the master keys in use, the token signing keys per master key, the
 * audit MAC key versions and, per tenant and purpose, the key versions and encryptions reserved. Read-only: unlike the other key
 * commands it stores no check value. Returns 1 when the master key check fails.
 */
export async function printKeyStatus(io: CliIo, options: { json?: boolean }): Promise<number> {
  const output = new Output(io, { json: options.json ?? false });
  return withPhiStore(
    io,
    async ({ config, db, keyring, store }) => {
      const check = await checkMasterKey({ config, db, keyring, readOnly: true });
      const first = await readKeyStatus(store, { limit: 100 });
      const tenants: TenantKeySummary[] = [...first.tenants];
      let page = first.tenants;
      while (page.length > 0) {
        const after = page[page.length - 1]?.tenantId;
        const next = await readKeyStatus(store, { afterTenantId: after, limit: 100 });
        page = next.tenants;
        tenants.push(...page);
      }

      output.line(
        `master key check: ${check.status === 'ok' ? 'ok' : check.status.toUpperCase()} (${check.message})`,
      );
      if (check.fix !== undefined) output.line(`  fix: ${check.fix}`);
      printMasterKeys(output, first);
      output.line();
      const rows = tenants.map((tenant) => [
        tenant.tenantId,
        tenant.purpose,
        String(tenant.newestVersion),
        tenant.minDecryptionVersion === null ? 'shredded' : String(tenant.minDecryptionVersion),
        String(tenant.activeVersions),
        String(tenant.retiredVersions),
        String(tenant.destroyedVersions),
        String(tenant.usageCount),
      ]);
      const header = [
        'TENANT',
        'PURPOSE',
        'NEWEST',
        'MIN DECRYPT',
        'ACTIVE',
        'RETIRED',
        'DESTROYED',
        'ENCRYPTIONS',
      ];
      for (const line of formatTable([header, ...rows])) output.line(line);
      output.line(`${new Set(tenants.map((tenant) => tenant.tenantId)).size} tenant(s) with keys.`);
      output.result({ masterKeyCheck: check, ...first, tenants });
      return check.status === 'failed' ? 1 : 0;
    },
    { verify: false },
  );
}

function printMasterKeys(output: Output, status: KeyStatus): void {
  const { masterKeys } = status;
  output.line(`current master key: ${masterKeys.currentMasterKeyId}`);
  output.line(`configured master keys: ${masterKeys.configuredMasterKeyIds.join(', ')}`);
  for (const usage of masterKeys.inUse) {
    output.line(
      `  ${usage.masterKeyId}: wraps ${usage.keyCount} tenant key(s)${usage.configured ? '' : ' (NOT CONFIGURED)'}`,
    );
  }
  output.line(`tenant keys to rewrap onto the current master key: ${masterKeys.keysToRewrap}`);
  for (const signing of status.signingKeys) {
    output.line(
      `token signing keys under ${signing.masterKeyId ?? 'the earlier sealed format'}: ${signing.count}`,
    );
  }
  for (const audit of status.auditMacKeys) {
    output.line(
      `audit MAC key version ${audit.version} under ${audit.masterKeyId}${audit.configured ? '' : ' (NOT CONFIGURED)'}, created ${audit.createdAt.toISOString()}`,
    );
  }
}
