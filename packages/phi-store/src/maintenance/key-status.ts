import type { MasterKeyStatus } from '@skillancer/phi-crypto';
import type { PhiStore } from '../phi-store.js';

export interface StoredCheckValue {
  masterKeyId: string;
  configured: boolean;
  createdAt: Date;
  lastVerifiedAt: Date;
}

export interface TenantKeySummary {
  tenantId: string;
  purpose: 'data' | 'index';
  newestVersion: number;
  /** Lowest active version; null when none is active (shredded). */
  minDecryptionVersion: number | null;
  activeVersions: number;
  retiredVersions: number;
  destroyedVersions: number;
  /** Encryptions reserved over all versions (an upper bound of those performed). */
  usageCount: number;
}

export interface KeyStatus {
  masterKeys: MasterKeyStatus;
  checkValues: StoredCheckValue[];
  /** Token signing keys per wrapping master key; null is the earlier sealed format. */
  signingKeys: Array<{ masterKeyId: string | null; count: number }>;
  /** Audit MAC key versions with their wrapping master key and creation time. */
  auditMacKeys: Array<{ version: number; masterKeyId: string; configured: boolean; createdAt: Date }>;
  tenants: TenantKeySummary[];
}

/**
 * Reports the master keys in use, the stored check values and, page by page, key versions and
 * usage per tenant. Read-only.
 */
export async function readKeyStatus(
  store: PhiStore,
  page: { afterTenantId?: string; limit: number } = { limit: 100 },
): Promise<KeyStatus> {
  const masterKeys = await store.keys.masterKeyStatus();
  const checks = await store.db.query<{ master_key_id: string; created_at: Date; last_verified_at: Date }>(
    'SELECT master_key_id, created_at, last_verified_at FROM phi_master_key_checks ORDER BY created_at',
  );
  const signing = await store.db.query<{ master_key_id: string | null; count: string }>(
    'SELECT master_key_id, count(*) AS count FROM signing_keys GROUP BY master_key_id ORDER BY master_key_id',
  );
  const auditMacKeys = await store.db.query<{ version: number; master_key_id: string; created_at: Date }>(
    'SELECT version, master_key_id, created_at FROM phi_audit_mac_keys ORDER BY version',
  );
  const tenants = await store.db.query<{
    tenant_id: string;
    purpose: 'data' | 'index';
    newest_version: number;
    min_decryption_version: number | null;
    active_versions: string;
    retired_versions: string;
    destroyed_versions: string;
    usage_count: string;
  }>(
    `SELECT * FROM phi_tenant_key_summary
      WHERE tenant_id IN (
        SELECT DISTINCT tenant_id FROM phi_tenant_keys
         WHERE $1::text IS NULL OR tenant_id > $1::text ORDER BY tenant_id LIMIT $2)
      ORDER BY tenant_id, purpose`,
    [page.afterTenantId ?? null, page.limit],
  );
  return {
    masterKeys,
    checkValues: checks.rows.map((row) => ({
      masterKeyId: row.master_key_id,
      configured: store.masterKeys.has(row.master_key_id),
      createdAt: row.created_at,
      lastVerifiedAt: row.last_verified_at,
    })),
    signingKeys: signing.rows.map((row) => ({ masterKeyId: row.master_key_id, count: Number(row.count) })),
    auditMacKeys: auditMacKeys.rows.map((row) => ({
      version: row.version,
      masterKeyId: row.master_key_id,
      configured: store.masterKeys.has(row.master_key_id),
      createdAt: row.created_at,
    })),
    tenants: tenants.rows.map((row) => ({
      tenantId: row.tenant_id,
      purpose: row.purpose,
      newestVersion: row.newest_version,
      minDecryptionVersion: row.min_decryption_version,
      activeVersions: Number(row.active_versions),
      retiredVersions: Number(row.retired_versions),
      destroyedVersions: Number(row.destroyed_versions),
      usageCount: Number(row.usage_count),
    })),
  };
}
