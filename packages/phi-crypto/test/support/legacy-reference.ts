import { createCipheriv, pbkdf2Sync, randomBytes } from 'node:crypto';

/**
 * An independent implementation of the earlier service's encryption, written with Node's crypto
 * directly from the format description, so legacy tests do not check the library against itself.
 */
export function encryptLegacyReference(
  masterKeyHex: string,
  tenantId: string,
  plaintext: string,
  legacyContext?: unknown,
): string {
  const salt = randomBytes(32);
  const iv = randomBytes(16);
  const key = pbkdf2Sync(
    Buffer.from(masterKeyHex, 'hex'),
    Buffer.concat([salt, Buffer.from(tenantId, 'utf8')]),
    100_000,
    32,
    'sha256',
  );
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  if (legacyContext !== undefined) {
    cipher.setAAD(Buffer.from(JSON.stringify(legacyContext), 'utf8'));
  }
  const encryptedData = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return JSON.stringify({
    encryptedData: encryptedData.toString('base64'),
    encryptedKey: salt.toString('base64'),
    iv: iv.toString('base64'),
    authTag: cipher.getAuthTag().toString('base64'),
    algorithm: 'aes-256-gcm',
    keyId: `tenant:${tenantId}`,
  });
}
