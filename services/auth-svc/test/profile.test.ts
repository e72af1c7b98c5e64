import type { ServiceApp } from '@skillancer/service-kit';
import { forEachEngine } from '@skillancer/testing/database';
import { afterAll, describe, expect, it } from 'vitest';
import { buildPhiApp, dumpTable, leakedFragments } from './phi-fixtures.js';
import { registerUser } from './support.js';

const SENSITIVE = {
  phone: '+49 30 12345678',
  dateOfBirth: '1975-11-30',
  address: 'Hauptstraße 5\n10115 Berlin',
  taxId: '12 345 678 901',
};
const SENSITIVE_FRAGMENTS = ['12345678', '1975-11-30', 'Hauptstra', 'Berlin', '12345678901'];

forEachEngine('auth-svc profiles', (getDb) => {
  // Tests that need no special settings share one app per engine; each registers its own users.
  let shared: Promise<ServiceApp> | undefined;
  const sharedApp = () => {
    shared ??= buildPhiApp(getDb());
    return shared;
  };
  afterAll(async () => {
    await (await shared)?.close();
  });

  describe('GET /profile', () => {
    it('starts with the display name only', async () => {
      const app = await sharedApp();
      const user = await registerUser(app, { displayName: 'Ada Lovelace' });
      const response = await app.inject({ method: 'GET', url: '/profile', headers: user.auth });

      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({
        userId: user.userId,
        tenantId: user.tenantId,
        displayName: 'Ada Lovelace',
        headline: null,
        bio: null,
        phone: null,
        dateOfBirth: null,
        address: null,
        taxId: null,
      });
    });

    it('requires a token', async () => {
      const app = await sharedApp();
      expect((await app.inject({ method: 'GET', url: '/profile' })).statusCode).toBe(401);
    });
  });

  describe('PATCH /profile', () => {
    it('stores sensitive fields encrypted and shows them masked', async () => {
      const db = getDb();
      const app = await sharedApp();
      const user = await registerUser(app);
      const response = await app.inject({
        method: 'PATCH',
        url: '/profile',
        headers: user.auth,
        payload: { displayName: 'Grace Hopper', headline: 'Compiler engineer', bio: 'Navy.', ...SENSITIVE },
      });
      const me = await app.inject({ method: 'GET', url: '/auth/me', headers: user.auth });
      const profiles = await db.query<{ headline: string; bio: string }>(
        'SELECT headline, bio FROM user_profiles WHERE user_id = $1',
        [user.userId],
      );

      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({
        displayName: 'Grace Hopper',
        headline: 'Compiler engineer',
        bio: 'Navy.',
        phone: '+********5678',
        dateOfBirth: '1975-**-**',
        address: '***',
        taxId: '****8901',
      });
      expect(me.json().user.displayName).toBe('Grace Hopper');
      expect(profiles.rows).toEqual([{ headline: 'Compiler engineer', bio: 'Navy.' }]);
      expect(leakedFragments(await dumpTable(db, 'phi_records'), SENSITIVE_FRAGMENTS)).toEqual([]);
      expect(leakedFragments(await dumpTable(db, 'user_profiles'), SENSITIVE_FRAGMENTS)).toEqual([]);
      expect(leakedFragments(await dumpTable(db, 'phi_audit_events'), SENSITIVE_FRAGMENTS)).toEqual([]);
    });

    it('removes a field given as null and keeps the others', async () => {
      const app = await sharedApp();
      const user = await registerUser(app);
      await app.inject({ method: 'PATCH', url: '/profile', headers: user.auth, payload: SENSITIVE });
      const response = await app.inject({
        method: 'PATCH',
        url: '/profile',
        headers: user.auth,
        payload: { phone: null, headline: 'Consultant' },
      });

      expect(response.json()).toMatchObject({
        phone: null,
        dateOfBirth: '1975-**-**',
        taxId: '****8901',
        headline: 'Consultant',
      });
    });

    it.each([
      ['phone', '030 1234', 'invalid_phone'],
      ['dateOfBirth', '30.11.1975', 'invalid_date_of_birth'],
      ['taxId', 'A-1', 'invalid_tax_id'],
    ])('rejects an invalid %s naming the field', async (field, value, code) => {
      const app = await sharedApp();
      const user = await registerUser(app);
      const response = await app.inject({
        method: 'PATCH',
        url: '/profile',
        headers: user.auth,
        payload: { headline: 'unchanged?', [field]: value },
      });
      const after = await app.inject({ method: 'GET', url: '/profile', headers: user.auth });

      expect(response.statusCode).toBe(400);
      expect(response.json().error.code).toBe(code);
      expect(response.json().error.details.field).toBe(field);
      expect(after.json().headline).toBeNull();
    });

    it('rejects an empty change', async () => {
      const app = await sharedApp();
      const user = await registerUser(app);
      const response = await app.inject({
        method: 'PATCH',
        url: '/profile',
        headers: user.auth,
        payload: {},
      });

      expect(response.statusCode).toBe(400);
    });

    it('keeps the profile record out of the records API', async () => {
      const db = getDb();
      const app = await sharedApp();
      const user = await registerUser(app);
      await app.inject({ method: 'PATCH', url: '/profile', headers: user.auth, payload: SENSITIVE });
      const { rows } = await db.query<{ phi_record_id: string }>(
        'SELECT phi_record_id FROM user_profiles WHERE user_id = $1',
        [user.userId],
      );
      const read = await app.inject({
        method: 'GET',
        url: `/hipaa/phi/records/${rows[0]?.phi_record_id}`,
        headers: user.auth,
      });

      expect(read.statusCode).toBe(404);
    });
  });
});
