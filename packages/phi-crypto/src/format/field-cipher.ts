import { Buffer } from 'node:buffer';
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { PhiCryptoError } from '../errors.js';
import { writeRandomNonce } from '../internal/bytes.js';
import type { DataKey } from '../keys/key-material.js';
import { describeFieldContext, type FieldContext, fieldAadView } from './field-context.js';
import {
  CIPHERTEXT_OFFSET,
  type FieldEnvelope,
  FORMAT_VERSION,
  HEADER_BYTES,
  MIN_ENVELOPE_BYTES,
  NONCE_BYTES,
  NONCE_OFFSET,
  type PayloadType,
  TAG_BYTES,
} from './field-format.js';

/**
 * Encrypts one value under `key` with AES-256-GCM and returns the format-1 ciphertext
 * (see field-format.ts). Synchronous on purpose: the key is used before any other task can
 * run, so a concurrent shred cannot zero it halfway.
 */
export function sealField(
  key: DataKey,
  context: FieldContext,
  plaintext: Buffer,
  payloadType: PayloadType,
): string {
  const out = Buffer.allocUnsafe(MIN_ENVELOPE_BYTES + plaintext.length);
  out[0] = FORMAT_VERSION;
  out.writeUInt32BE(key.version, 1);
  out[5] = payloadType;
  writeRandomNonce(out, NONCE_OFFSET);
  key.commitment().copy(out, HEADER_BYTES);

  const nonce = out.subarray(NONCE_OFFSET, NONCE_OFFSET + NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key.encryptionKey(), nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(fieldAadView(out, CIPHERTEXT_OFFSET, context));
  cipher.update(plaintext).copy(out, CIPHERTEXT_OFFSET);
  cipher.final();
  cipher.getAuthTag().copy(out, out.length - TAG_BYTES);
  return out.toString('base64url');
}

/**
 * Checks the key commitment, then decrypts and authenticates `envelope` under `key`.
 * Throws `key_commitment_mismatch` when the value was encrypted under a different key that has
 * the same version number (another tenant's, or altered), and `decryption_failed` when the tag
 * does not verify (altered bytes, or a different record or field).
 */
export function openField(key: DataKey, context: FieldContext, envelope: FieldEnvelope): Buffer {
  if (!envelope.hasCommitment(key.commitment())) {
    throw new PhiCryptoError(
      'key_commitment_mismatch',
      `the encrypted value of ${describeFieldContext(context)} was not made with data key version ` +
        `${key.version} of this tenant; it was copied from another tenant or altered`,
      { field: context.field, details: { tenantId: context.tenantId, keyVersion: key.version } },
    );
  }
  const decipher = createDecipheriv('aes-256-gcm', key.encryptionKey(), envelope.nonce, {
    authTagLength: TAG_BYTES,
  });
  decipher.setAAD(fieldAadView(envelope.bytes, CIPHERTEXT_OFFSET, context));
  decipher.setAuthTag(envelope.tag);
  const plaintext = decipher.update(envelope.ciphertext);
  try {
    // For GCM, final() returns no bytes; it verifies the tag and throws on mismatch.
    decipher.final();
    return plaintext;
  } catch (cause) {
    plaintext.fill(0);
    throw new PhiCryptoError(
      'decryption_failed',
      `authentication failed for the encrypted value of ${describeFieldContext(context)}: ` +
        'it was altered, or it belongs to a different record or field than the one given',
      { cause, field: context.field, details: { tenantId: context.tenantId, keyVersion: key.version } },
    );
  }
}
