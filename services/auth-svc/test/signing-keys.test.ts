import { randomUUID } from 'node:crypto';
import { forEachEngine } from '@skillancer/testing/database';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { buildTestAuthApp, registerUser, TEST_ISSUER } from './support.js';

forEachEngine('auth-svc signing keys', (getDb) => {
  describe('a key inserted into signing_keys by someone else', () => {
    it('never verifies a token and is not published', async () => {
      const db = getDb();
      const app = await buildTestAuthApp(db);
      const user = await registerUser(app);
      const { rows } = await db.query<{ private_key_ciphertext: string; master_key_id: string }>(
        'SELECT private_key_ciphertext, master_key_id FROM signing_keys LIMIT 1',
      );
      const genuine = rows[0];
      expect(genuine).toBeDefined();

      // The forger controls the public key and reuses a wrapped private key they cannot open.
      const forged = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
      const kid = randomUUID();
      const publicJwk = { ...(await exportJWK(forged.publicKey)), kid, alg: 'EdDSA', use: 'sig' };
      await db.query(
        `INSERT INTO signing_keys (kid, algorithm, public_jwk, private_key_ciphertext, master_key_id)
         VALUES ($1, 'EdDSA', $2, $3, $4)`,
        [kid, JSON.stringify(publicJwk), genuine?.private_key_ciphertext, genuine?.master_key_id],
      );
      const token = await new SignJWT({ tid: user.tenantId, role: 'owner', sid: randomUUID() })
        .setProtectedHeader({ alg: 'EdDSA', kid })
        .setSubject(user.userId)
        .setIssuer(TEST_ISSUER)
        .setAudience('skillancer')
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(forged.privateKey);

      const restarted = await buildTestAuthApp(db);
      const me = await restarted.inject({
        method: 'GET',
        url: '/auth/me',
        headers: { authorization: `Bearer ${token}` },
      });
      const jwks = await restarted.inject({ method: 'GET', url: '/.well-known/jwks.json' });
      const genuineMe = await restarted.inject({ method: 'GET', url: '/auth/me', headers: user.auth });

      expect(me.statusCode).toBe(401);
      expect(jwks.json().keys.map((key: { kid: string }) => key.kid)).not.toContain(kid);
      expect(genuineMe.statusCode).toBe(200);
    });
  });
});
