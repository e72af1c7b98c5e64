import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { PhiCryptoError } from '../errors.js';
import { decodeBase64UrlStrict, encodeLengthPrefixed } from '../internal/encoding.js';
import type { MasterKey } from './master-key.js';

/**
 * Wrapped key layout (base64url, 61 bytes before encoding):
 *   1 byte wrap format version (1) | 12 bytes nonce | 32 bytes encrypted key | 16 bytes GCM tag
 *
 * AES-256-GCM rather than AES-KW (RFC 3394/5649): KW has no associated data, and the wrap must be
 * bound to tenant id, key purpose, key version and master key id so that a wrapped key copied to
 * another row fails to unwrap. GCM's 2^32 random-nonce limit applies per master key and counts
 * one invocation per wrap or rewrap, far above tenants × versions in practice.
 */
const WRAP_FORMAT_VERSION = 1;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
export const DATA_KEY_BYTES = 32;
const WRAPPED_BYTES = 1 + NONCE_BYTES + DATA_KEY_BYTES + TAG_BYTES;
const AAD_LABEL = 'skillancer/phi-crypto/key-wrap/v1';

/** Purpose of a tenant key: field encryption (`data`) or blind indexes (`index`). */
export type KeyPurpose = 'data' | 'index';

/** Binding of a wrapped key. Unwrapping with any other binding fails. */
export interface KeyBinding {
  tenantId: string;
  purpose: KeyPurpose;
  version: number;
}

function wrapAad(binding: KeyBinding, masterKeyId: string): Buffer {
  return encodeLengthPrefixed([
    AAD_LABEL,
    binding.tenantId,
    binding.purpose,
    String(binding.version),
    masterKeyId,
  ]);
}

function describe(binding: KeyBinding): string {
  return `${binding.purpose} key version ${binding.version} of tenant ${binding.tenantId}`;
}

/** Encrypts a 32-byte tenant key under `masterKey`, bound to `binding`. */
export function wrapKey(masterKey: MasterKey, binding: KeyBinding, key: Uint8Array): string {
  if (key.length !== DATA_KEY_BYTES) {
    throw new PhiCryptoError('invalid_argument', `a tenant key must be 32 bytes, got ${key.length}`);
  }
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', masterKey.exposeMaterial(), nonce, {
    authTagLength: TAG_BYTES,
  });
  cipher.setAAD(wrapAad(binding, masterKey.id));
  const encrypted = Buffer.concat([cipher.update(key), cipher.final()]);
  const out = Buffer.concat([Buffer.of(WRAP_FORMAT_VERSION), nonce, encrypted, cipher.getAuthTag()]);
  return out.toString('base64url');
}

/**
 * Decrypts a wrapped tenant key. Throws `wrapped_key_invalid` when the value is malformed, was
 * altered, belongs to another tenant, purpose or version, or was not wrapped by `masterKey`.
 * The caller owns the returned buffer and should zero it when done.
 */
export function unwrapKey(masterKey: MasterKey, binding: KeyBinding, wrapped: string): Buffer {
  const bytes = decodeBase64UrlStrict(wrapped);
  if (bytes === undefined || bytes.length !== WRAPPED_BYTES || bytes[0] !== WRAP_FORMAT_VERSION) {
    throw new PhiCryptoError(
      'wrapped_key_invalid',
      `the stored wrapped ${describe(binding)} is malformed (expected ${WRAPPED_BYTES} bytes of ` +
        `base64url starting with format version ${WRAP_FORMAT_VERSION}); the key row was altered or truncated`,
      { details: { tenantId: binding.tenantId, keyVersion: binding.version, masterKeyId: masterKey.id } },
    );
  }
  const nonce = bytes.subarray(1, 1 + NONCE_BYTES);
  const encrypted = bytes.subarray(1 + NONCE_BYTES, 1 + NONCE_BYTES + DATA_KEY_BYTES);
  const tag = bytes.subarray(WRAPPED_BYTES - TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', masterKey.exposeMaterial(), nonce, {
    authTagLength: TAG_BYTES,
  });
  decipher.setAAD(wrapAad(binding, masterKey.id));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(encrypted), decipher.final()]);
  } catch (cause) {
    throw new PhiCryptoError(
      'wrapped_key_invalid',
      `unwrapping ${describe(binding)} with master key ${masterKey.id} failed authentication; ` +
        'the wrapped key was altered, copied from another row, or wrapped by a different key with the same id',
      {
        cause,
        details: { tenantId: binding.tenantId, keyVersion: binding.version, masterKeyId: masterKey.id },
      },
    );
  }
}
