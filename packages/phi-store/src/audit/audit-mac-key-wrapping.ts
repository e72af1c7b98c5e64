import type { Database } from '@skillancer/database';
import {
  isPhiCryptoError,
  type KeyBinding,
  type MasterKeyring,
  unwrapKey,
  wrapKey,
} from '@skillancer/phi-crypto';
import { PhiStoreError } from '../errors.js';
import { rewrapStoredKey } from '../keys/rewrap-stored-key.js';

/** A row of `phi_audit_mac_keys`. */
export interface WrappedAuditMacKey {
  version: number;
  wrappedKey: string;
  masterKeyId: string;
}

/**
 * Returns the binding of an audit MAC key's wrap. Its namespace is no tenant id (tenant ids are
 * UUIDs) and no signing key's, so the wrapped key unwraps only as this version of the audit key.
 */
function bindingOf(version: number): KeyBinding {
  return { tenantId: 'phi-store/audit-mac-key', purpose: 'data', version };
}

/** Wraps a 32-byte audit MAC key under the current master key. */
export function wrapAuditMacKey(
  masterKeys: MasterKeyring,
  version: number,
  key: Uint8Array,
): WrappedAuditMacKey {
  const current = masterKeys.current;
  return { version, wrappedKey: wrapKey(current, bindingOf(version), key), masterKeyId: current.id };
}

/**
 * Unwraps an audit MAC key with the master key that wrapped it (current or previous). Throws
 * `audit_key_unreadable` naming the master key and what to configure.
 */
export function unwrapAuditMacKey(masterKeys: MasterKeyring, wrapped: WrappedAuditMacKey): Buffer {
  try {
    return unwrapKey(masterKeys.get(wrapped.masterKeyId), bindingOf(wrapped.version), wrapped.wrappedKey);
  } catch (error) {
    if (!isPhiCryptoError(error)) {
      throw error;
    }
    throw new PhiStoreError(
      'audit_key_unreadable',
      `audit MAC key version ${wrapped.version} is wrapped by master key ${wrapped.masterKeyId} and cannot be ` +
        `unwrapped with the configured master keys (${error.code}); set ENCRYPTION_MASTER_KEY, or during a ` +
        'master key rotation ENCRYPTION_MASTER_KEY_PREVIOUS, to the key it was written with',
      { cause: error },
    );
  }
}

export interface AuditMacKeyRewrapSummary {
  /** Audit MAC key versions not wrapped by the current master key when the run started. */
  total: number;
  rewrapped: number;
  /** Versions another process rewrapped between reading and writing. */
  skipped: number;
  /** Versions that could not be unwrapped, with the reason. */
  failures: Array<{ version: number; message: string }>;
}

/**
 * Rewraps every audit MAC key version that is not wrapped by the current master key, so events
 * stay verifiable after the previous master key is removed. Each row is updated only if it still
 * has the master key id it was read with, so concurrent runs and a run after a crash are safe.
 */
export async function rewrapAuditMacKeys(
  db: Database,
  masterKeys: MasterKeyring,
): Promise<AuditMacKeyRewrapSummary> {
  const { rows } = await db.query<{ version: number; wrapped_key: string; master_key_id: string }>(
    `SELECT version, wrapped_key, master_key_id FROM phi_audit_mac_keys
      WHERE master_key_id <> $1 ORDER BY version`,
    [masterKeys.current.id],
  );
  const summary: AuditMacKeyRewrapSummary = { total: rows.length, rewrapped: 0, skipped: 0, failures: [] };
  for (const row of rows) {
    const result = await rewrapStoredKey({
      unwrap: () =>
        unwrapAuditMacKey(masterKeys, {
          version: row.version,
          wrappedKey: row.wrapped_key,
          masterKeyId: row.master_key_id,
        }),
      wrap: (key) => wrapAuditMacKey(masterKeys, row.version, key),
      store: async (next) => {
        const { rowCount } = await db.query(
          `UPDATE phi_audit_mac_keys SET wrapped_key = $3, master_key_id = $4
            WHERE version = $1 AND master_key_id = $2`,
          [row.version, row.master_key_id, next.wrappedKey, next.masterKeyId],
        );
        return rowCount;
      },
    });
    if (result.outcome === 'failed') {
      summary.failures.push({ version: row.version, message: result.message });
    } else {
      summary[result.outcome] += 1;
    }
  }
  return summary;
}
