import { isDatabaseError, type Queryable } from '@skillancer/database';
import { isUuid } from '../errors.js';
import type { StoredShredRequest } from './shred-requests.js';

/** Counts of what an erasure deleted, recorded in the `tenant.shred` audit event. */
export interface ErasureCounts {
  records: number;
  tokens: number;
  /** PHI records of the erased user kept in other tenants (their profiles there). */
  userRecordsInOtherTenants: Array<{ tenantId: string; recordId: string }>;
  tenantDeleted: boolean;
  /** `deleted`, `anonymized` (the row is still referenced, so its personal data was overwritten) or `none`. */
  user: 'deleted' | 'anonymized' | 'none';
}

/**
 * Deletes the tenant's data in the caller's transaction: PHI records, tokens and the tenant row,
 * whose foreign keys cascade to memberships, profiles, refresh tokens and the tables of the
 * other services. An account erasure also removes the user's profile records in other tenants
 * and the user. Key rows and audit events stay, as the record of the erasure.
 *
 * NOTE: objects in object storage (avatars, portfolio images, recordings) are not deleted here;
 * encrypted recordings become unreadable with the keys, the images do not. An anonymized user
 * also keeps its avatar and portfolio rows in other tenants.
 */
export async function eraseTenantData(tx: Queryable, request: StoredShredRequest): Promise<ErasureCounts> {
  const tenantId = request.tenantId;
  const counts: ErasureCounts = {
    records: 0,
    tokens: 0,
    userRecordsInOtherTenants: [],
    tenantDeleted: false,
    user: 'none',
  };

  counts.tokens = (await tx.query('DELETE FROM phi_tokens WHERE tenant_id = $1', [tenantId])).rowCount;
  if (isUuid(tenantId)) {
    counts.records = (await tx.query('DELETE FROM phi_records WHERE tenant_id = $1', [tenantId])).rowCount;
  }

  if (request.scope === 'account' && request.userId !== null) {
    const { rows } = await tx.query<{ id: string; tenant_id: string }>(
      `DELETE FROM phi_records WHERE id IN (
         SELECT phi_record_id FROM user_profiles WHERE user_id = $1 AND phi_record_id IS NOT NULL
       ) RETURNING id, tenant_id`,
      [request.userId],
    );
    counts.userRecordsInOtherTenants = rows.map((row) => ({ tenantId: row.tenant_id, recordId: row.id }));
  }

  if (isUuid(tenantId)) {
    counts.tenantDeleted = (await tx.query('DELETE FROM tenants WHERE id = $1', [tenantId])).rowCount === 1;
  }

  if (request.scope === 'account' && request.userId !== null) {
    counts.user = await deleteOrAnonymizeUser(tx, request.userId);
  }
  return counts;
}

/**
 * Deletes the user, or, when rows of other tenants still reference it (such as SkillPods it owns
 * there), overwrites its email, name and password hash and ends its memberships and sessions.
 */
async function deleteOrAnonymizeUser(tx: Queryable, userId: string): Promise<ErasureCounts['user']> {
  await tx.query('SAVEPOINT erase_user');
  try {
    const { rowCount } = await tx.query('DELETE FROM users WHERE id = $1', [userId]);
    await tx.query('RELEASE SAVEPOINT erase_user');
    return rowCount === 1 ? 'deleted' : 'none';
  } catch (error) {
    if (!isDatabaseError(error, 'foreign_key_violation')) {
      throw error;
    }
    await tx.query('ROLLBACK TO SAVEPOINT erase_user');
  }
  // NOTE: the password hash becomes a marker that is not an argon2 hash, so a login attempt with
  // the anonymized address fails inside password verification instead of with "wrong password".
  await tx.query(
    `UPDATE users SET email = 'erased-' || id::text || '@erased.invalid', display_name = 'Erased user',
            password_hash = '!erased', updated_at = now()
      WHERE id = $1`,
    [userId],
  );
  await tx.query('DELETE FROM user_profiles WHERE user_id = $1', [userId]);
  await tx.query('DELETE FROM memberships WHERE user_id = $1', [userId]);
  await tx.query('DELETE FROM refresh_tokens WHERE user_id = $1', [userId]);
  return 'anonymized';
}
