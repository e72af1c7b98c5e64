import { randomUUID } from 'node:crypto';
import type { Database } from '@skillancer/database';
import { ACCESS_TOKEN_ALGORITHM } from '@skillancer/service-kit';
import {
  type CryptoKey,
  exportJWK,
  exportPKCS8,
  generateKeyPair,
  importJWK,
  importPKCS8,
  type JWK,
  type JWTVerifyGetKey,
  errors as joseErrors,
} from 'jose';
import { openKeyMaterial, sealKeyMaterial } from './key-sealing.js';

type SigningKeyRow = {
  kid: string;
  public_jwk: JWK | string;
  private_key_ciphertext: string;
  created_at: Date;
  retired_at: Date | null;
};

interface LoadedKey {
  kid: string;
  publicJwk: JWK;
  publicKey: CryptoKey;
  retiredAt: Date | null;
}

const PURPOSE = 'jwt-signing-key';
/** Minimum time between two database reloads triggered by unknown key ids, so forged kids cannot flood the database. */
const RELOAD_COOLDOWN_MS = 5_000;

/**
 * The Ed25519 keys that sign access tokens. They live in the database with the private part sealed
 * by the master key, so every replica and every restart signs and verifies with the same keys.
 */
export class SigningKeyStore {
  private keys = new Map<string, LoadedKey>();
  private current: { kid: string; privateKey: CryptoKey } | undefined;
  private lastReload = 0;

  constructor(
    private readonly db: Database,
    private readonly masterKey: Buffer,
  ) {}

  /** Loads the keys, creating the first one when the database has none. */
  async initialize(): Promise<void> {
    await this.reload();
    if (!this.current) {
      await this.createKey();
      await this.reload();
    }
  }

  /** Creates a new signing key; tokens signed by older keys stay valid until they expire. */
  async createKey(): Promise<string> {
    const { publicKey, privateKey } = await generateKeyPair(ACCESS_TOKEN_ALGORITHM, {
      crv: 'Ed25519',
      extractable: true,
    });
    const kid = randomUUID();
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: ACCESS_TOKEN_ALGORITHM, use: 'sig' };
    const sealed = sealKeyMaterial(
      this.masterKey,
      PURPOSE,
      kid,
      Buffer.from(await exportPKCS8(privateKey), 'utf8'),
    );
    await this.db.query(
      'INSERT INTO signing_keys (kid, algorithm, public_jwk, private_key_ciphertext) VALUES ($1, $2, $3, $4)',
      [kid, ACCESS_TOKEN_ALGORITHM, JSON.stringify(publicJwk), sealed],
    );
    return kid;
  }

  async reload(): Promise<void> {
    this.lastReload = Date.now();
    const { rows } = await this.db.query<SigningKeyRow>(
      'SELECT kid, public_jwk, private_key_ciphertext, created_at, retired_at FROM signing_keys ORDER BY created_at DESC',
    );
    const keys = new Map<string, LoadedKey>();
    for (const row of rows) {
      const publicJwk =
        typeof row.public_jwk === 'string' ? (JSON.parse(row.public_jwk) as JWK) : row.public_jwk;
      const publicKey = (await importJWK(publicJwk, ACCESS_TOKEN_ALGORITHM)) as CryptoKey;
      keys.set(row.kid, { kid: row.kid, publicJwk, publicKey, retiredAt: row.retired_at });
    }
    const newestActive = rows.find((row) => row.retired_at === null);
    if (newestActive && this.current?.kid !== newestActive.kid) {
      let pkcs8: Buffer;
      try {
        pkcs8 = openKeyMaterial(
          this.masterKey,
          PURPOSE,
          newestActive.kid,
          newestActive.private_key_ciphertext,
        );
      } catch (error) {
        throw new Error(
          'The token signing key cannot be decrypted with this ENCRYPTION_MASTER_KEY: the key differs from the one the data was written with; restore the right key (or list it in ENCRYPTION_MASTER_KEY_PREVIOUS during a rotation)',
          { cause: error },
        );
      }
      const privateKey = await importPKCS8(pkcs8.toString('utf8'), ACCESS_TOKEN_ALGORITHM);
      pkcs8.fill(0);
      this.current = { kid: newestActive.kid, privateKey };
    }
    this.keys = keys;
  }

  signingKey(): { kid: string; privateKey: CryptoKey } {
    if (!this.current) throw new Error('SigningKeyStore.initialize() was not called');
    return this.current;
  }

  /** The public keys for `/.well-known/jwks.json`: every key not retired. */
  publicJwks(): { keys: JWK[] } {
    return {
      keys: [...this.keys.values()].filter((key) => key.retiredAt === null).map((key) => key.publicJwk),
    };
  }

  /** A jose key lookup that reloads from the database once when a token names an unknown key id. */
  readonly keyLookup: JWTVerifyGetKey = async (header) => {
    const kid = header.kid;
    if (!kid) throw new joseErrors.JWKSNoMatchingKey();
    let key = this.keys.get(kid);
    if (!key && Date.now() - this.lastReload > RELOAD_COOLDOWN_MS) {
      await this.reload();
      key = this.keys.get(kid);
    }
    if (!key || key.retiredAt !== null) throw new joseErrors.JWKSNoMatchingKey();
    return key.publicKey;
  };
}
