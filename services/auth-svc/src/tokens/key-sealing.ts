import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

const SEAL_VERSION = 'v1';

/** A key-encryption key derived from the master key for one purpose, so no two uses share a key. */
function purposeKey(masterKey: Buffer, purpose: string): Buffer {
  return createHmac('sha256', masterKey).update(`skillancer/${purpose}`).digest();
}

/**
 * Encrypts key material (such as a token signing key) under the master key with AES-256-GCM,
 * bound to `binding` as associated data so a sealed key cannot be swapped between rows.
 * Format: `v1.<nonce>.<ciphertext>.<tag>` in base64url.
 */
export function sealKeyMaterial(
  masterKey: Buffer,
  purpose: string,
  binding: string,
  plaintext: Buffer,
): string {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', purposeKey(masterKey, purpose), nonce, { authTagLength: 16 });
  cipher.setAAD(Buffer.from(binding, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return [SEAL_VERSION, nonce, ciphertext, cipher.getAuthTag()]
    .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
    .join('.');
}

/** Reverses `sealKeyMaterial`; throws when the master key, purpose or binding differ. */
export function openKeyMaterial(masterKey: Buffer, purpose: string, binding: string, sealed: string): Buffer {
  const [version, nonce, ciphertext, tag, ...rest] = sealed.split('.');
  if (version !== SEAL_VERSION || !nonce || ciphertext === undefined || !tag || rest.length > 0) {
    throw new Error(`Sealed key material has an unknown format (expected ${SEAL_VERSION})`);
  }
  const decipher = createDecipheriv(
    'aes-256-gcm',
    purposeKey(masterKey, purpose),
    Buffer.from(nonce, 'base64url'),
    {
      authTagLength: 16,
    },
  );
  decipher.setAAD(Buffer.from(binding, 'utf8'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]);
}
