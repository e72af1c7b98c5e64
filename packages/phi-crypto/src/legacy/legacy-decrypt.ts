import { Buffer } from 'node:buffer';
import { createDecipheriv, pbkdf2 } from 'node:crypto';
import { promisify } from 'node:util';
import { PhiCryptoError } from '../errors.js';
import { zeroize } from '../internal/bytes.js';
import { decodeUtf8Strict } from '../internal/encoding.js';
import type { MasterKey } from '../keys/master-key.js';
import type { MasterKeyring } from '../keys/master-keyring.js';
import { type LegacyCiphertextJson, parseLegacyCiphertext } from './legacy-format.js';

const pbkdf2Async = promisify(pbkdf2);
export const LEGACY_PBKDF2_ITERATIONS = 100_000;

export interface LegacyDecryptInput {
  tenantId: string;
  /** The stored value: JSON text or the parsed object. */
  stored: string | LegacyCiphertextJson;
  /**
   * The context object the value was encrypted with, if any. Its JSON.stringify output is the
   * associated data, so keys must be in the original order.
   */
  legacyContext?: unknown;
}

/**
 * Derives the legacy per-value key: PBKDF2-HMAC-SHA256 over the 32 master key bytes, with salt ‖
 * UTF-8 tenant id as salt, 100,000 iterations, 32 bytes. Runs on the libuv thread pool, so it
 * costs 20–30 ms of a pool thread (not of the event loop) per value.
 */
// NOTE: this takes the 32 decoded key bytes as the PBKDF2 password, as the format description states.
// No value written by the earlier service was available to confirm it did not use the hex text.
export async function deriveLegacyKey(masterKey: MasterKey, salt: Buffer, tenantId: string): Promise<Buffer> {
  return pbkdf2Async(
    masterKey.exposeMaterial(),
    Buffer.concat([salt, Buffer.from(tenantId, 'utf8')]),
    LEGACY_PBKDF2_ITERATIONS,
    32,
    'sha256',
  );
}

/**
 * Decrypts a value in the legacy format. The format does not say which master key was used, so
 * each configured key is tried, current first; each try costs one PBKDF2 derivation.
 * Throws `legacy_tenant_mismatch` when the value's keyId names another tenant and
 * `legacy_decryption_failed` when no key authenticates it (wrong key, altered value or context).
 */
export async function decryptLegacy(masterKeys: MasterKeyring, input: LegacyDecryptInput): Promise<string> {
  const legacy = parseLegacyCiphertext(input.stored);
  if (legacy.tenantId !== input.tenantId) {
    throw new PhiCryptoError(
      'legacy_tenant_mismatch',
      `legacy ciphertext belongs to tenant ${legacy.tenantId}, not to tenant ${input.tenantId}`,
      { details: { tenantId: input.tenantId } },
    );
  }
  const aad =
    input.legacyContext === undefined ? undefined : Buffer.from(JSON.stringify(input.legacyContext), 'utf8');

  for (const masterKey of masterKeys.keys) {
    const key = await deriveLegacyKey(masterKey, legacy.salt, legacy.tenantId);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, legacy.iv, { authTagLength: 16 });
      if (aad !== undefined) {
        decipher.setAAD(aad);
      }
      decipher.setAuthTag(legacy.tag);
      const plaintext = Buffer.concat([decipher.update(legacy.ciphertext), decipher.final()]);
      const text = decodeUtf8Strict(plaintext);
      zeroize(plaintext);
      if (text === undefined) {
        throw new PhiCryptoError(
          'invalid_utf8',
          `legacy value of tenant ${input.tenantId} decrypted to invalid UTF-8`,
        );
      }
      return text;
    } catch (error) {
      if (error instanceof PhiCryptoError) {
        throw error;
      }
      // Authentication failed under this master key; try the next one.
    } finally {
      zeroize(key);
    }
  }
  throw new PhiCryptoError(
    'legacy_decryption_failed',
    `no configured master key (${masterKeys.ids.join(', ')}) decrypts the legacy value of tenant ${input.tenantId}; ` +
      'the value was altered, the context differs from the one used to encrypt it, or its master key is missing',
    { details: { tenantId: input.tenantId } },
  );
}
