import { createCipheriv, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { createPhiStore, rotateMasterKey } from '@skillancer/phi-store';
import { ACCESS_TOKEN_ALGORITHM } from '@skillancer/service-kit';
import { forEachEngine } from '@skillancer/testing/database';
import { exportJWK, exportPKCS8, generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import { masterKeyringOf } from '../src/phi/phi-setup.js';
import { buildPhiApp, PATIENT } from './phi-fixtures.js';
import { registerUser, TEST_MASTER_KEY } from './support.js';

const NEXT_MASTER_KEY = Buffer.alloc(32, 9);

/** Seals a private key the way auth-svc did before the master keyring, with Node's crypto directly. */
function sealLegacy(masterKey: Buffer, kid: string, pkcs8Pem: string): string {
  const key = createHmac('sha256', masterKey).update('skillancer/jwt-signing-key').digest();
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: 16 });
  cipher.setAAD(Buffer.from(kid, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(pkcs8Pem, 'utf8'), cipher.final()]);
  return ['v1', nonce, ciphertext, cipher.getAuthTag()]
    .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
    .join('.');
}

// The cases run in order on one database and end with a master key rotation.
forEachEngine('auth-svc master key start-up', (getDb) => {
  describe('key check', () => {
    it('loads the audit MAC key at start-up', async () => {
      const db = getDb();
      const before = await db.query('SELECT version FROM phi_audit_mac_keys');

      await (await buildPhiApp(db)).close();
      const after = await db.query('SELECT version FROM phi_audit_mac_keys');

      expect(before.rows).toEqual([]);
      expect(after.rows).toEqual([{ version: 1 }]);
    });

    it('refuses a wrong master key naming the variables', async () => {
      const db = getDb();
      await (await buildPhiApp(db)).close();
      const error = await buildPhiApp(db, { masterKey: randomBytes(32) }).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toContain('ENCRYPTION_MASTER_KEY');
      expect((error as Error).message).toContain('ENCRYPTION_MASTER_KEY_PREVIOUS');
    });

    it('converts a signing key sealed in the earlier format', async () => {
      const db = getDb();
      const { publicKey, privateKey } = await generateKeyPair(ACCESS_TOKEN_ALGORITHM, {
        crv: 'Ed25519',
        extractable: true,
      });
      const kid = randomUUID();
      const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: ACCESS_TOKEN_ALGORITHM, use: 'sig' };
      await db.query(
        `INSERT INTO signing_keys (kid, algorithm, public_jwk, private_key_ciphertext, created_at)
         VALUES ($1, $2, $3, $4, now() + interval '1 hour')`,
        [
          kid,
          ACCESS_TOKEN_ALGORITHM,
          JSON.stringify(publicJwk),
          sealLegacy(TEST_MASTER_KEY, kid, await exportPKCS8(privateKey)),
        ],
      );
      const app = await buildPhiApp(db);
      const user = await registerUser(app);
      const me = await app.inject({ method: 'GET', url: '/auth/me', headers: user.auth });
      const header = JSON.parse(
        Buffer.from(user.accessToken.split('.')[0] ?? '', 'base64url').toString('utf8'),
      );
      const { rows } = await db.query<{ master_key_id: string | null }>(
        'SELECT master_key_id FROM signing_keys WHERE kid = $1',
        [kid],
      );

      expect(me.statusCode).toBe(200);
      expect(header.kid).toBe(kid);
      expect(rows[0]?.master_key_id).toBe(masterKeyringOf(TEST_MASTER_KEY).current.id);
    });
  });

  describe('master key rotation', () => {
    it('keeps data and tokens readable across a rotation', async () => {
      const db = getDb();
      const before = await buildPhiApp(db);
      const user = await registerUser(before);
      const created = await before.inject({
        method: 'POST',
        url: '/hipaa/phi/records',
        headers: user.auth,
        payload: { fields: { ssn: PATIENT.ssn } },
      });
      await before.close();

      const during = await buildPhiApp(db, {
        masterKey: NEXT_MASTER_KEY,
        previousMasterKeys: [TEST_MASTER_KEY],
      });
      const readDuring = await during.inject({
        method: 'GET',
        url: `/hipaa/phi/records/${created.json().id}`,
        headers: user.auth,
      });
      await during.close();
      const operator = createPhiStore({
        db,
        masterKeys: masterKeyringOf(NEXT_MASTER_KEY, [TEST_MASTER_KEY]),
      });
      const rotation = await rotateMasterKey(operator, { actor: { type: 'operator', id: 'test' } });

      const after = await buildPhiApp(db, { masterKey: NEXT_MASTER_KEY });
      const readAfter = await after.inject({
        method: 'GET',
        url: `/hipaa/phi/records/${created.json().id}`,
        headers: user.auth,
      });
      const oldKeyOnly = await buildPhiApp(db).catch((e: unknown) => e);

      expect(readDuring.statusCode).toBe(200);
      expect(rotation.complete).toBe(true);
      expect(rotation.signingKeys.rewrapped).toBeGreaterThanOrEqual(1);
      expect(readAfter.statusCode).toBe(200);
      expect(readAfter.json().fields.ssn).toBe('***-**-6789');
      expect(oldKeyOnly).toBeInstanceOf(Error);
    });
  });
});
