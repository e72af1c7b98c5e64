import { createDecipheriv, createHmac } from 'node:crypto';
import type { MasterKeyring } from '@skillancer/phi-crypto';
import { unwrapSigningKeySeed, type WrappedSigningKey, wrapSigningKeySeed } from '@skillancer/phi-store';
import { type CryptoKey, exportJWK, importJWK, type JWK } from 'jose';

const ALGORITHM = 'EdDSA';

/**
 * Wraps an Ed25519 private key under the current master key of the keyring. Only the 32-byte seed
 * (the JWK `d` member) is wrapped; the public half is stored in the clear beside it.
 */
export async function sealSigningKey(
  masterKeys: MasterKeyring,
  kid: string,
  privateKey: CryptoKey,
): Promise<WrappedSigningKey> {
  const seed = Buffer.from((await exportJWK(privateKey)).d ?? '', 'base64url');
  try {
    return wrapSigningKeySeed(masterKeys, kid, seed);
  } finally {
    seed.fill(0);
  }
}

/**
 * Unwraps a private key with whichever configured master key wrapped it (current or previous).
 * Throws `signing_key_unreadable` (PhiStoreError) naming the variables to check.
 */
export async function openSigningKey(
  masterKeys: MasterKeyring,
  kid: string,
  publicJwk: JWK,
  wrapped: WrappedSigningKey,
): Promise<CryptoKey> {
  const seed = unwrapSigningKeySeed(masterKeys, kid, wrapped);
  try {
    const jwk: JWK = { kty: 'OKP', crv: 'Ed25519', x: publicJwk.x, d: seed.toString('base64url') };
    return (await importJWK(jwk, ALGORITHM)) as CryptoKey;
  } finally {
    seed.fill(0);
  }
}

const LEGACY_SEAL_VERSION = 'v1';
const LEGACY_PURPOSE = 'jwt-signing-key';

/**
 * Opens a private key in the earlier format (`v1.<nonce>.<ciphertext>.<tag>`: AES-256-GCM under
 * HMAC-SHA256(raw master key, "skillancer/jwt-signing-key"), the key id as associated data), which
 * returns PKCS#8 PEM text. Returns undefined when `masterKey` is not the key that sealed it.
 */
export function openLegacySealedKey(masterKey: Buffer, kid: string, sealed: string): Buffer | undefined {
  const [version, nonce, ciphertext, tag, ...rest] = sealed.split('.');
  if (version !== LEGACY_SEAL_VERSION || !nonce || ciphertext === undefined || !tag || rest.length > 0) {
    return undefined;
  }
  const key = createHmac('sha256', masterKey).update(`skillancer/${LEGACY_PURPOSE}`).digest();
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(nonce, 'base64url'), {
      authTagLength: 16,
    });
    decipher.setAAD(Buffer.from(kid, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]);
  } catch {
    // A wrong key fails GCM authentication; the caller tries the next configured key.
    return undefined;
  } finally {
    key.fill(0);
  }
}
