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

/** A token signing key's 32-byte Ed25519 seed, wrapped by a master key. */
export interface WrappedSigningKey {
  wrappedKey: string;
  masterKeyId: string;
}

/**
 * Returns the binding of a signing key's wrap. It puts the key id in a namespace that no tenant
 * id can take (tenant ids are UUIDs), so a wrapped signing key never unwraps as a tenant key or
 * as another signing key.
 */
function bindingOf(kid: string): KeyBinding {
  return { tenantId: `auth-svc/jwt-signing-key/${kid}`, purpose: 'data', version: 1 };
}

/** Wraps a 32-byte Ed25519 private key seed under the current master key. */
export function wrapSigningKeySeed(
  masterKeys: MasterKeyring,
  kid: string,
  seed: Uint8Array,
): WrappedSigningKey {
  const current = masterKeys.current;
  return { wrappedKey: wrapKey(current, bindingOf(kid), seed), masterKeyId: current.id };
}

/**
 * Unwraps a signing key seed with the master key that wrapped it (current or previous). Throws
 * `signing_key_unreadable` naming the key id and what to configure. The caller zeroes the result.
 */
export function unwrapSigningKeySeed(
  masterKeys: MasterKeyring,
  kid: string,
  wrapped: WrappedSigningKey,
): Buffer {
  try {
    return unwrapKey(masterKeys.get(wrapped.masterKeyId), bindingOf(kid), wrapped.wrappedKey);
  } catch (error) {
    if (!isPhiCryptoError(error)) {
      throw error;
    }
    throw new PhiStoreError(
      'signing_key_unreadable',
      `token signing key ${kid} is wrapped by master key ${wrapped.masterKeyId} and cannot be unwrapped ` +
        `(${error.code}); set ENCRYPTION_MASTER_KEY, or during a rotation ENCRYPTION_MASTER_KEY_PREVIOUS, ` +
        'to the key it was written with',
      { cause: error },
    );
  }
}

export interface SigningKeyRewrapSummary {
  /** Signing keys not wrapped by the current master key when the run started. */
  total: number;
  rewrapped: number;
  /** Keys another process rewrapped between reading and writing. */
  skipped: number;
  /** Keys that could not be unwrapped, with the reason. */
  failures: Array<{ kid: string; message: string }>;
  /** Keys in the earlier sealed format; auth-svc converts them when it starts. */
  legacy: number;
}

/**
 * Rewraps every token signing key that is not wrapped by the current master key. Each row is
 * updated only if it still has the master key id it was read with, so concurrent runs and a run
 * after a crash are safe.
 */
export async function rewrapSigningKeys(
  db: Database,
  masterKeys: MasterKeyring,
): Promise<SigningKeyRewrapSummary> {
  const current = masterKeys.current.id;
  const { rows } = await db.query<{
    kid: string;
    private_key_ciphertext: string;
    master_key_id: string | null;
  }>(
    `SELECT kid, private_key_ciphertext, master_key_id FROM signing_keys
      WHERE master_key_id IS NULL OR master_key_id <> $1 ORDER BY kid`,
    [current],
  );
  const summary: SigningKeyRewrapSummary = {
    total: rows.length,
    rewrapped: 0,
    skipped: 0,
    failures: [],
    legacy: 0,
  };
  for (const row of rows) {
    if (row.master_key_id === null) {
      summary.legacy += 1;
      continue;
    }
    const masterKeyId = row.master_key_id;
    const result = await rewrapStoredKey({
      unwrap: () =>
        unwrapSigningKeySeed(masterKeys, row.kid, {
          wrappedKey: row.private_key_ciphertext,
          masterKeyId,
        }),
      wrap: (seed) => wrapSigningKeySeed(masterKeys, row.kid, seed),
      store: async (next) => {
        const { rowCount } = await db.query(
          `UPDATE signing_keys SET private_key_ciphertext = $3, master_key_id = $4
            WHERE kid = $1 AND master_key_id = $2`,
          [row.kid, masterKeyId, next.wrappedKey, next.masterKeyId],
        );
        return rowCount;
      },
    });
    if (result.outcome === 'failed') {
      summary.failures.push({ kid: row.kid, message: result.message });
    } else {
      summary[result.outcome] += 1;
    }
  }
  return summary;
}
