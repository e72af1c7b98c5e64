import { randomUUID } from 'node:crypto';
import type { Database } from '@skillancer/database';
import type { MasterKeyring } from '@skillancer/phi-crypto';
import { ACCESS_TOKEN_ALGORITHM } from '@skillancer/service-kit';
import {
  type CryptoKey,
  exportJWK,
  generateKeyPair,
  importJWK,
  importPKCS8,
  type JWK,
  type JWTVerifyGetKey,
  errors as joseErrors,
} from 'jose';
import {
  openLegacySealedKey,
  openSigningKey,
  publicKeyMatchesSealedKey,
  sealSigningKey,
} from './key-sealing.js';

type SigningKeyRow = {
  kid: string;
  public_jwk: JWK | string;
  private_key_ciphertext: string;
  master_key_id: string | null;
  created_at: Date;
  retired_at: Date | null;
};

interface LoadedKey {
  kid: string;
  publicJwk: JWK;
  publicKey: CryptoKey;
  retiredAt: Date | null;
}

/** Minimum time between two database reloads triggered by unknown key ids, so forged kids cannot flood the database. */
const RELOAD_COOLDOWN_MS = 5_000;

/**
 * The Ed25519 keys that sign access tokens. They live in the database with the private part
 * wrapped by the master keyring, which records the wrapping master key's id. So every replica and
 * every restart signs and verifies with the same keys, and `skillancer keys rotate-master`
 * rewraps them together with the tenant keys.
 */
export class SigningKeyStore {
  private keys = new Map<string, LoadedKey>();
  private current: { kid: string; privateKey: CryptoKey } | undefined;
  private lastReload = 0;

  /**
   * @param legacyMasterKeys raw master keys (current first) that may have sealed keys in the
   *   earlier format; `convertLegacyKeys` tries them in order.
   */
  constructor(
    private readonly db: Database,
    private readonly masterKeys: MasterKeyring,
    private readonly legacyMasterKeys: readonly Buffer[] = [],
  ) {}

  /**
   * Rewraps keys still sealed in the earlier format. A key that none of the configured master
   * keys opens stops the start with an error, before anything is written.
   */
  async convertLegacyKeys(): Promise<number> {
    const { rows } = await this.db.query<SigningKeyRow>(
      'SELECT kid, public_jwk, private_key_ciphertext, master_key_id, created_at, retired_at FROM signing_keys WHERE master_key_id IS NULL',
    );
    const converted: Array<{ kid: string; wrappedKey: string; masterKeyId: string }> = [];
    for (const row of rows) {
      const pkcs8 = this.legacyMasterKeys
        .map((key) => openLegacySealedKey(key, row.kid, row.private_key_ciphertext))
        .find((opened) => opened !== undefined);
      if (pkcs8 === undefined) {
        throw new Error(
          `The token signing key ${row.kid} cannot be decrypted with ENCRYPTION_MASTER_KEY or any key in ` +
            'ENCRYPTION_MASTER_KEY_PREVIOUS: the configured key differs from the one the data was written with; ' +
            'restore the right key',
        );
      }
      const privateKey = await importPKCS8(pkcs8.toString('utf8'), ACCESS_TOKEN_ALGORITHM, {
        extractable: true,
      });
      pkcs8.fill(0);
      converted.push({ kid: row.kid, ...(await sealSigningKey(this.masterKeys, row.kid, privateKey)) });
    }
    for (const key of converted) {
      await this.db.query(
        'UPDATE signing_keys SET private_key_ciphertext = $2, master_key_id = $3 WHERE kid = $1 AND master_key_id IS NULL',
        [key.kid, key.wrappedKey, key.masterKeyId],
      );
    }
    return converted.length;
  }

  /** Loads the keys, creating the first one when the database has none. */
  async initialize(): Promise<void> {
    await this.convertLegacyKeys();
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
    const wrapped = await sealSigningKey(this.masterKeys, kid, privateKey);
    await this.db.query(
      `INSERT INTO signing_keys (kid, algorithm, public_jwk, private_key_ciphertext, master_key_id)
       VALUES ($1, $2, $3, $4, $5)`,
      [kid, ACCESS_TOKEN_ALGORITHM, JSON.stringify(publicJwk), wrapped.wrappedKey, wrapped.masterKeyId],
    );
    return kid;
  }

  async reload(): Promise<void> {
    this.lastReload = Date.now();
    const { rows } = await this.db.query<SigningKeyRow>(
      'SELECT kid, public_jwk, private_key_ciphertext, master_key_id, created_at, retired_at FROM signing_keys ORDER BY created_at DESC',
    );
    const keys = new Map<string, LoadedKey>();
    for (const row of rows) {
      const publicJwk =
        typeof row.public_jwk === 'string' ? (JSON.parse(row.public_jwk) as JWK) : row.public_jwk;
      // A key whose public half does not match its sealed private half was not written by auth-svc;
      // it never verifies a token. Keys still in the earlier sealed format are converted at start-up.
      if (
        row.master_key_id !== null &&
        !publicKeyMatchesSealedKey(this.masterKeys, row.kid, publicJwk, {
          wrappedKey: row.private_key_ciphertext,
          masterKeyId: row.master_key_id,
        })
      ) {
        continue;
      }
      const publicKey = (await importJWK(publicJwk, ACCESS_TOKEN_ALGORITHM)) as CryptoKey;
      keys.set(row.kid, { kid: row.kid, publicJwk, publicKey, retiredAt: row.retired_at });
    }
    const newestActive = rows.find((row) => row.retired_at === null && keys.has(row.kid));
    if (newestActive && this.current?.kid !== newestActive.kid) {
      const loaded = keys.get(newestActive.kid);
      if (newestActive.master_key_id === null || loaded === undefined) {
        throw new Error(
          `The token signing key ${newestActive.kid} is still in the earlier sealed format; restart auth-svc so that it is converted`,
        );
      }
      const privateKey = await openSigningKey(this.masterKeys, newestActive.kid, loaded.publicJwk, {
        wrappedKey: newestActive.private_key_ciphertext,
        masterKeyId: newestActive.master_key_id,
      });
      this.current = { kid: newestActive.kid, privateKey };
    }
    this.keys = keys;
  }

  signingKey(): { kid: string; privateKey: CryptoKey } {
    if (!this.current) throw new Error('SigningKeyStore.initialize() was not called');
    return this.current;
  }

  /** Returns the public keys for `/.well-known/jwks.json`: every key not retired. */
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
