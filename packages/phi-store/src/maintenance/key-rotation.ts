import type { KeyPurpose, RewrapProgress, RewrapSummary, TenantKeyInfo } from '@skillancer/phi-crypto';
import { type AuditMacKeyRewrapSummary, rewrapAuditMacKeys } from '../audit/audit-mac-key-wrapping.js';
import { type MasterKeyVerification, verifyMasterKeys } from '../keys/master-key-check.js';
import { type PhiStore, SYSTEM_AUDIT_TENANT } from '../phi-store.js';
import { rewrapSigningKeys, type SigningKeyRewrapSummary } from '../signing-keys/signing-key-wrapping.js';

type Actor = { type: string; id: string };

export interface MasterRotationSummary {
  check: MasterKeyVerification;
  tenantKeys: RewrapSummary;
  signingKeys: SigningKeyRewrapSummary;
  auditMacKeys: AuditMacKeyRewrapSummary;
  /** True when nothing is left under an earlier master key, so ENCRYPTION_MASTER_KEY_PREVIOUS can be emptied. */
  complete: boolean;
}

export interface MasterRotationOptions {
  actor: Actor;
  /** Tenant keys per page; default 100. */
  pageSize?: number;
  onProgress?: (progress: RewrapProgress) => void;
  /** Stops between pages; running again continues with the keys still left. */
  signal?: AbortSignal;
}

/**
 * Rewraps every tenant key, token signing key and audit MAC key onto the current master key,
 * after checking the keyring against the stored key check values (which records the new key's
 * check value). PHI is not touched. Resumable and safe to run twice or concurrently, because it
 * selects "not wrapped by the current key" and every write is conditional. Records
 * `master_key.rewrap` in the `system` audit chain.
 */
export async function rotateMasterKey(
  store: PhiStore,
  options: MasterRotationOptions,
): Promise<MasterRotationSummary> {
  const check = await verifyMasterKeys(store.db, store.masterKeys);
  const tenantKeys = await store.keys.rewrapTenantKeys({
    ...(options.pageSize === undefined ? {} : { pageSize: options.pageSize }),
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  const signingKeys = await rewrapSigningKeys(store.db, store.masterKeys);
  const auditMacKeys = await rewrapAuditMacKeys(store.db, store.masterKeys);
  const failed = tenantKeys.failed + signingKeys.failures.length + auditMacKeys.failures.length;
  const complete =
    tenantKeys.remaining === 0 &&
    signingKeys.failures.length === 0 &&
    signingKeys.legacy === 0 &&
    auditMacKeys.failures.length === 0;
  await store.audit.append({
    tenantId: SYSTEM_AUDIT_TENANT,
    actor: options.actor,
    action: 'master_key.rewrap',
    resource: { type: 'master_key', id: store.masterKeys.current.id },
    purpose: 'key_rotation',
    outcome: failed === 0 ? 'success' : 'failure',
    details: {
      tenantKeysRewrapped: tenantKeys.rewrapped,
      tenantKeysFailed: tenantKeys.failed,
      tenantKeysRemaining: tenantKeys.remaining,
      signingKeysRewrapped: signingKeys.rewrapped,
      signingKeysFailed: signingKeys.failures.length,
      auditMacKeysRewrapped: auditMacKeys.rewrapped,
      auditMacKeysFailed: auditMacKeys.failures.length,
    },
  });
  return { check, tenantKeys, signingKeys, auditMacKeys, complete };
}

/**
 * Creates the next version of a tenant's data (or index) key and records `key.rotate`. New
 * values use it at once in this process and within one key cache TTL in other replicas; follow
 * with `reencryptTenant` to move existing values.
 */
export async function rotateTenantKey(
  store: PhiStore,
  tenantId: string,
  options: { actor: Actor; purpose?: KeyPurpose },
): Promise<TenantKeyInfo> {
  const purpose = options.purpose ?? 'data';
  const info = await store.keys.rotate(tenantId, purpose);
  await store.audit.append({
    tenantId,
    actor: options.actor,
    action: 'key.rotate',
    resource: { type: 'tenant_key', id: `${purpose}:${info.version}` },
    purpose: 'key_rotation',
    outcome: 'success',
    keyVersion: purpose === 'data' ? info.version : null,
    details: { masterKeyId: info.masterKeyId, keyPurpose: purpose },
  });
  return info;
}

/**
 * Sets the tenant's minimum decryption version: versions below it are retired (they refuse to
 * decrypt, reversibly) and retired versions at or above it become active again. Records
 * `key.retire`. Run `reencryptTenant` first, or values still on a retired version fail to read.
 */
export async function retireKeyVersions(
  store: PhiStore,
  tenantId: string,
  minVersion: number,
  options: { actor: Actor; purpose?: KeyPurpose },
): Promise<TenantKeyInfo[]> {
  const purpose = options.purpose ?? 'data';
  const changed = await store.keys.setMinimumDecryptionVersion(tenantId, minVersion, purpose);
  await store.audit.append({
    tenantId,
    actor: options.actor,
    action: 'key.retire',
    resource: { type: 'tenant_key', id: `${purpose}:<${minVersion}` },
    purpose: 'key_rotation',
    outcome: 'success',
    details: {
      keyPurpose: purpose,
      minDecryptionVersion: minVersion,
      changed: changed.map((key) => `${key.purpose}:${key.version}:${key.state}`),
    },
  });
  return changed;
}
