import { createDecipheriv, createHmac, createPrivateKey, createPublicKey } from 'node:crypto';
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

/** DER prefix of a PKCS#8 Ed25519 private key; the 32-byte seed follows it (RFC 8410). */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/**
 * Returns whether the stored public key belongs to the wrapped private key. The public half is
 * stored in the clear, so without this check anyone able to insert a row into `signing_keys` could
 * publish a key of their own and sign access tokens that every service accepts.
 */
export function publicKeyMatchesSealedKey(
  masterKeys: MasterKeyring,
  kid: string,
  publicJwk: JWK,
  wrapped: WrappedSigningKey,
): boolean {
  let seed: Buffer | undefined;
  try {
    seed = unwrapSigningKeySeed(masterKeys, kid, wrapped);
    const privateKey = createPrivateKey({
      key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]),
      format: 'der',
      type: 'pkcs8',
    });
    const derived = createPublicKey(privateKey).export({ format: 'jwk' });
    return derived.x === publicJwk.x && publicJwk.kty === 'OKP' && publicJwk.crv === 'Ed25519';
  } catch {
    return false;
  } finally {
    seed?.fill(0);
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
