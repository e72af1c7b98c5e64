import type { Database } from '@skillancer/database';
import {
  type KeyPageRequest,
  type KeyPurpose,
  type KeyState,
  type KeyStateChange,
  type MasterKeyUsage,
  type NewTenantKey,
  PhiCryptoError,
  type TenantKeyRecord,
  type TenantKeyRef,
  type TenantKeyRepository,
  type WrappedKeyReplacement,
} from '@skillancer/phi-crypto';

type KeyRow = {
  tenant_id: string;
  purpose: KeyPurpose;
  version: number;
  state: KeyState;
  wrapped_key: string | null;
  master_key_id: string;
  usage_count: string;
  created_at: Date;
  retired_at: Date | null;
  destroyed_at: Date | null;
};

const COLUMNS =
  'tenant_id, purpose, version, state, wrapped_key, master_key_id, usage_count, created_at, retired_at, destroyed_at';

function toRecord(row: KeyRow): TenantKeyRecord {
  return {
    tenantId: row.tenant_id,
    purpose: row.purpose,
    version: row.version,
    state: row.state,
    wrappedKey: row.wrapped_key,
    masterKeyId: row.master_key_id,
    createdAt: row.created_at,
    retiredAt: row.retired_at,
    destroyedAt: row.destroyed_at,
    usageCount: Number(row.usage_count),
  };
}

/**
 * `TenantKeyRepository` on the `phi_tenant_keys` table, for PostgreSQL and PGlite. Every write is
 * one conditional statement (or one transaction), so several replicas can share the table.
 */
export class SqlTenantKeyRepository implements TenantKeyRepository {
  constructor(private readonly db: Database) {}

  async loadTenantKeys(tenantId: string): Promise<TenantKeyRecord[]> {
    const { rows } = await this.db.query<KeyRow>(
      `SELECT ${COLUMNS} FROM phi_tenant_keys WHERE tenant_id = $1 ORDER BY purpose, version`,
      [tenantId],
    );
    return rows.map(toRecord);
  }

  async insertKeyVersion(key: NewTenantKey): Promise<'inserted' | 'exists'> {
    const { rowCount } = await this.db.query(
      `INSERT INTO phi_tenant_keys (tenant_id, purpose, version, wrapped_key, master_key_id, created_at)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (tenant_id, purpose, version) DO NOTHING`,
      [key.tenantId, key.purpose, key.version, key.wrappedKey, key.masterKeyId, key.createdAt],
    );
    return rowCount === 1 ? 'inserted' : 'exists';
  }

  async listKeysToRewrap(currentMasterKeyId: string, page: KeyPageRequest): Promise<TenantKeyRecord[]> {
    const after = page.after;
    const { rows } = await this.db.query<KeyRow>(
      `SELECT ${COLUMNS} FROM phi_tenant_keys
        WHERE state <> 'destroyed' AND master_key_id <> $1
          AND ($2::text IS NULL OR (tenant_id, purpose, version) > ($2::text, $3::text, $4::integer))
        ORDER BY tenant_id, purpose, version
        LIMIT $5`,
      [
        currentMasterKeyId,
        after?.tenantId ?? null,
        after?.purpose ?? null,
        after?.version ?? null,
        page.limit,
      ],
    );
    return rows.map(toRecord);
  }

  async countKeysToRewrap(currentMasterKeyId: string): Promise<number> {
    const { rows } = await this.db.query<{ count: string }>(
      "SELECT count(*) AS count FROM phi_tenant_keys WHERE state <> 'destroyed' AND master_key_id <> $1",
      [currentMasterKeyId],
    );
    return Number(rows[0]?.count ?? 0);
  }

  async replaceWrappedKeys(replacements: readonly WrappedKeyReplacement[]): Promise<number> {
    if (replacements.length === 0) {
      return 0;
    }
    return this.db.transaction(async (tx) => {
      let updated = 0;
      for (const r of replacements) {
        const { rowCount } = await tx.query(
          `UPDATE phi_tenant_keys SET wrapped_key = $5, master_key_id = $6
            WHERE tenant_id = $1 AND purpose = $2 AND version = $3
              AND state <> 'destroyed' AND master_key_id = $4`,
          [r.tenantId, r.purpose, r.version, r.expectedMasterKeyId, r.wrappedKey, r.masterKeyId],
        );
        updated += rowCount;
      }
      return updated;
    });
  }

  async setKeyStates(change: KeyStateChange): Promise<TenantKeyRecord[]> {
    if (change.versions.length === 0) {
      return [];
    }
    // Destroyed rows never change again, and a row already in the target state is not returned.
    const { rows } = await this.db.query<KeyRow>(
      `UPDATE phi_tenant_keys SET
          state = $4,
          wrapped_key = CASE WHEN $4 = 'destroyed' THEN NULL ELSE wrapped_key END,
          destroyed_at = CASE WHEN $4 = 'destroyed' THEN $5::timestamptz ELSE destroyed_at END,
          retired_at = CASE WHEN $4 = 'retired' THEN $5::timestamptz
                            WHEN $4 = 'active' THEN NULL ELSE retired_at END
        WHERE tenant_id = $1 AND purpose = $2 AND version = ANY($3::integer[])
          AND state <> 'destroyed' AND state <> $4
        RETURNING ${COLUMNS}`,
      [change.tenantId, change.purpose, [...change.versions], change.state, change.at],
    );
    return rows.map(toRecord);
  }

  async incrementUsage(key: TenantKeyRef, count: number): Promise<number> {
    const { rows } = await this.db.query<{ usage_count: string }>(
      `UPDATE phi_tenant_keys SET usage_count = usage_count + $4
        WHERE tenant_id = $1 AND purpose = $2 AND version = $3
        RETURNING usage_count`,
      [key.tenantId, key.purpose, key.version, count],
    );
    const row = rows[0];
    if (row === undefined) {
      throw new PhiCryptoError(
        'key_version_not_found',
        `cannot count usage of ${key.purpose} key version ${key.version} of tenant ${key.tenantId}: ` +
          'no such key version is stored',
        { details: { tenantId: key.tenantId, keyVersion: key.version } },
      );
    }
    return Number(row.usage_count);
  }

  async listMasterKeyUsage(): Promise<MasterKeyUsage[]> {
    const { rows } = await this.db.query<{ master_key_id: string; key_count: string }>(
      `SELECT master_key_id, count(*) AS key_count FROM phi_tenant_keys
        WHERE state <> 'destroyed' GROUP BY master_key_id ORDER BY master_key_id`,
    );
    return rows.map((row) => ({ masterKeyId: row.master_key_id, keyCount: Number(row.key_count) }));
  }
}
