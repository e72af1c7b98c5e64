import { randomBytes } from 'node:crypto';
import { forEachEngine } from '@skillancer/testing/database';
import { describe, expect, it } from 'vitest';
import { buildTestAuthApp, registerUser } from './support.js';

forEachEngine('auth-svc accounts', (getDb) => {
  describe('register', () => {
    it('creates the user, a personal tenant and tokens', async () => {
      const app = await buildTestAuthApp(getDb());
      const user = await registerUser(app, { displayName: 'Ada Lovelace' });
      const me = await app.inject({ method: 'GET', url: '/auth/me', headers: user.auth });

      expect(me.statusCode).toBe(200);
      expect(me.json().user.displayName).toBe('Ada Lovelace');
      expect(me.json().tenant).toMatchObject({ id: user.tenantId, kind: 'personal', role: 'owner' });
    });

    it('creates an organization tenant for a client account', async () => {
      const app = await buildTestAuthApp(getDb());
      const user = await registerUser(app, { accountType: 'client', organizationName: 'Clinic Nord' });
      const me = await app.inject({ method: 'GET', url: '/auth/me', headers: user.auth });

      expect(me.json().tenant).toMatchObject({ name: 'Clinic Nord', kind: 'organization' });
    });

    it('rejects a duplicate email in any letter case and writes nothing', async () => {
      const db = getDb();
      const app = await buildTestAuthApp(db);
      const user = await registerUser(app);
      const before = await db.query<{ n: string }>('SELECT count(*)::text AS n FROM tenants');
      const response = await app.inject({
        method: 'POST',
        url: '/auth/register',
        payload: {
          email: user.email.toUpperCase(),
          password: 'another long passphrase',
          displayName: 'Copy',
        },
      });
      const after = await db.query<{ n: string }>('SELECT count(*)::text AS n FROM tenants');

      expect(response.statusCode).toBe(409);
      expect(response.json().error.code).toBe('email_taken');
      expect(after.rows[0]?.n).toBe(before.rows[0]?.n);
    });

    it.each([
      [
        'an invalid email',
        { email: 'not-an-email', password: 'correct horse battery staple', displayName: 'A' },
        'validation_failed',
      ],
      ['a short password', { email: 'a@example.com', password: 'short', displayName: 'A' }, 'weak_password'],
      [
        'a common password',
        { email: 'b@example.com', password: 'password1234', displayName: 'A' },
        'weak_password',
      ],
      [
        'an over-long password',
        { email: 'c@example.com', password: 'x1y2'.repeat(40), displayName: 'A' },
        'password_too_long',
      ],
      [
        'an unknown field',
        { email: 'd@example.com', password: 'correct horse battery staple', displayName: 'A', role: 'admin' },
        'validation_failed',
      ],
      [
        'a wrong type',
        { email: 'e@example.com', password: 12345678901234, displayName: 'A' },
        'validation_failed',
      ],
      [
        'an empty display name',
        { email: 'f@example.com', password: 'correct horse battery staple', displayName: '  ' },
        'validation_failed',
      ],
    ])('rejects %s', async (_case, payload, code) => {
      const app = await buildTestAuthApp(getDb());
      const response = await app.inject({ method: 'POST', url: '/auth/register', payload });

      expect(response.statusCode).toBe(400);
      expect(response.json().error.code).toBe(code);
    });
  });

  describe('login', () => {
    it('returns tokens for the right password', async () => {
      const app = await buildTestAuthApp(getDb());
      const user = await registerUser(app);
      const response = await app.inject({
        method: 'POST',
        url: '/auth/login',
        payload: { email: user.email, password: user.password },
      });

      expect(response.statusCode).toBe(200);
      expect(response.json().tokenType).toBe('Bearer');
    });

    it('gives the same answer for a wrong password and an unknown email', async () => {
      const app = await buildTestAuthApp(getDb());
      const user = await registerUser(app);
      const wrong = await app.inject({
        method: 'POST',
        url: '/auth/login',
        payload: { email: user.email, password: 'wrong password here' },
      });
      const unknown = await app.inject({
        method: 'POST',
        url: '/auth/login',
        payload: { email: 'nobody@example.com', password: 'wrong password here' },
      });

      expect(wrong.statusCode).toBe(401);
      expect(unknown.statusCode).toBe(401);
      expect(wrong.json().error.code).toBe(unknown.json().error.code);
      expect(wrong.json().error.message).toBe(unknown.json().error.message);
    });

    it('rate limits attempts per account', async () => {
      const app = await buildTestAuthApp(getDb(), {
        loginLimits: {
          perAccount: { limit: 3, windowSeconds: 60 },
          perIp: { limit: 100, windowSeconds: 60 },
        },
      });
      const user = await registerUser(app);
      const statuses: number[] = [];
      for (let attempt = 0; attempt < 4; attempt++) {
        const response = await app.inject({
          method: 'POST',
          url: '/auth/login',
          payload: { email: user.email, password: 'wrong password here' },
        });
        statuses.push(response.statusCode);
      }
      const blocked = await app.inject({
        method: 'POST',
        url: '/auth/login',
        payload: { email: user.email, password: user.password },
      });

      expect(statuses).toEqual([401, 401, 401, 429]);
      expect(blocked.statusCode).toBe(429);
      expect(blocked.headers['retry-after']).toBeDefined();
    });
  });

  describe('tokens', () => {
    it('rotates refresh tokens', async () => {
      const app = await buildTestAuthApp(getDb());
      const user = await registerUser(app);
      const first = await app.inject({
        method: 'POST',
        url: '/auth/refresh',
        payload: { refreshToken: user.refreshToken },
      });

      expect(first.statusCode).toBe(200);
      expect(first.json().refreshToken).not.toBe(user.refreshToken);
      const me = await app.inject({
        method: 'GET',
        url: '/auth/me',
        headers: { authorization: `Bearer ${first.json().accessToken}` },
      });
      expect(me.statusCode).toBe(200);
    });

    it('revokes the family when a spent refresh token is reused', async () => {
      const app = await buildTestAuthApp(getDb());
      const user = await registerUser(app);
      const rotated = await app.inject({
        method: 'POST',
        url: '/auth/refresh',
        payload: { refreshToken: user.refreshToken },
      });
      const reuse = await app.inject({
        method: 'POST',
        url: '/auth/refresh',
        payload: { refreshToken: user.refreshToken },
      });
      const successor = await app.inject({
        method: 'POST',
        url: '/auth/refresh',
        payload: { refreshToken: rotated.json().refreshToken },
      });

      expect(reuse.statusCode).toBe(401);
      expect(reuse.json().error.code).toBe('refresh_token_reused');
      expect(successor.statusCode).toBe(401);
      expect(successor.json().error.code).toBe('invalid_refresh_token');
    });

    it('refuses the refresh token after logout', async () => {
      const app = await buildTestAuthApp(getDb());
      const user = await registerUser(app);
      const logout = await app.inject({
        method: 'POST',
        url: '/auth/logout',
        headers: user.auth,
        payload: { refreshToken: user.refreshToken },
      });
      const refresh = await app.inject({
        method: 'POST',
        url: '/auth/refresh',
        payload: { refreshToken: user.refreshToken },
      });

      expect(logout.statusCode).toBe(204);
      expect(refresh.statusCode).toBe(401);
    });

    it('rejects missing and garbage access tokens', async () => {
      const app = await buildTestAuthApp(getDb());
      const missing = await app.inject({ method: 'GET', url: '/auth/me' });
      const garbage = await app.inject({
        method: 'GET',
        url: '/auth/me',
        headers: { authorization: 'Bearer abc.def.ghi' },
      });

      expect(missing.statusCode).toBe(401);
      expect(missing.json().error.code).toBe('missing_token');
      expect(garbage.statusCode).toBe(401);
      expect(garbage.json().error.code).toBe('invalid_token');
    });

    it('keeps signing keys across restarts, sealed by the master key', async () => {
      const db = getDb();
      const first = await buildTestAuthApp(db);
      const user = await registerUser(first);
      await first.close();
      const second = await buildTestAuthApp(db);
      const me = await second.inject({ method: 'GET', url: '/auth/me', headers: user.auth });
      const jwks = await second.inject({ method: 'GET', url: '/.well-known/jwks.json' });
      const rows = await db.query<{ private_key_ciphertext: string }>(
        'SELECT private_key_ciphertext FROM signing_keys',
      );

      expect(me.statusCode).toBe(200);
      expect(jwks.json().keys.length).toBeGreaterThanOrEqual(1);
      expect(jwks.json().keys[0]).not.toHaveProperty('d');
      for (const row of rows.rows) expect(row.private_key_ciphertext).not.toContain('PRIVATE KEY');
    });

    it('fails to start with a wrong master key', async () => {
      const db = getDb();
      await buildTestAuthApp(db);

      await expect(buildTestAuthApp(db, { masterKey: randomBytes(32) })).rejects.toThrow();
    });
  });
});
