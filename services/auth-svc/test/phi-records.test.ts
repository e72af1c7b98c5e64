import { createCipheriv, pbkdf2Sync, randomBytes, randomUUID } from 'node:crypto';
import type { ServiceApp } from '@skillancer/service-kit';
import { forEachEngine } from '@skillancer/testing/database';
import { afterAll, describe, expect, it } from 'vitest';
import {
  buildPhiApp,
  dumpTable,
  LogCapture,
  leakedFragments,
  memberOf,
  PATIENT,
  PATIENT_FRAGMENTS,
} from './phi-fixtures.js';
import { registerUser, TEST_MASTER_KEY } from './support.js';

type Auth = { authorization: string };

/** Encrypts like the earlier service did (PBKDF2 per value), with Node's crypto directly. */
function legacyCiphertext(tenantId: string, plaintext: string): string {
  const salt = randomBytes(32);
  const iv = randomBytes(16);
  const key = pbkdf2Sync(
    TEST_MASTER_KEY,
    Buffer.concat([salt, Buffer.from(tenantId, 'utf8')]),
    100_000,
    32,
    'sha256',
  );
  const cipher = createCipheriv('aes-256-gcm', key, iv);
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

async function createPatient(app: ServiceApp, auth: Auth, fields: Record<string, string> = PATIENT) {
  const response = await app.inject({
    method: 'POST',
    url: '/hipaa/phi/records',
    headers: auth,
    payload: { recordType: 'patient', fields },
  });
  if (response.statusCode !== 201) {
    throw new Error(`creating a record failed: ${response.statusCode} ${response.body}`);
  }
  return response.json() as { id: string; fields: Record<string, string> };
}

forEachEngine('auth-svc PHI records', (getDb) => {
  // Tests that need no special settings share one app per engine; each registers its own users.
  let shared: Promise<ServiceApp> | undefined;
  const sharedApp = () => {
    shared ??= buildPhiApp(getDb());
    return shared;
  };
  afterAll(async () => {
    await (await shared)?.close();
  });

  describe('create and read', () => {
    it('returns masked values and stores no plaintext', async () => {
      const db = getDb();
      const app = await sharedApp();
      const owner = await registerUser(app);
      const created = await createPatient(app, owner.auth);
      const read = await app.inject({
        method: 'GET',
        url: `/hipaa/phi/records/${created.id}`,
        headers: owner.auth,
      });
      const { rows } = await db.query<{ fields: Record<string, string> }>(
        'SELECT fields FROM phi_records WHERE id = $1',
        [created.id],
      );

      expect(read.statusCode).toBe(200);
      expect(read.json().fields).toEqual({
        ssn: '***-**-6789',
        dateOfBirth: '1980-**-**',
        phone: '+*******0123',
        email: 'j***@e***.com',
        name: 'J*** D***',
        address: '*** (ZIP 627**)',
        medicalRecordNumber: '****7781',
        insuranceId: '****7766',
      });
      expect(created.fields).toEqual(read.json().fields);
      expect(Object.keys(rows[0]?.fields ?? {}).sort()).toEqual(Object.keys(PATIENT).sort());
      expect(leakedFragments(await dumpTable(db, 'phi_records'))).toEqual([]);
      expect(leakedFragments(await dumpTable(db, 'phi_record_indexes'))).toEqual([]);
    });

    it.each([
      ['ssn', '000-12-3456', 'invalid_ssn'],
      ['dateOfBirth', '04/12/1980', 'invalid_date_of_birth'],
      ['phone', '555-0123', 'invalid_phone'],
      ['email', 'jane.doe', 'invalid_email'],
      ['medicalRecordNumber', 'M1', 'invalid_medical_record_number'],
    ])('rejects an invalid %s naming the field', async (field, value, code) => {
      const db = getDb();
      const app = await sharedApp();
      const owner = await registerUser(app);
      const before = await db.query<{ count: string }>('SELECT count(*) AS count FROM phi_records');
      const response = await app.inject({
        method: 'POST',
        url: '/hipaa/phi/records',
        headers: owner.auth,
        payload: { fields: { name: 'Jane Doe', [field]: value } },
      });
      const after = await db.query<{ count: string }>('SELECT count(*) AS count FROM phi_records');

      expect(response.statusCode).toBe(400);
      expect(response.json().error.code).toBe(code);
      expect(response.json().error.details.field).toBe(`fields.${field}`);
      expect(response.body).not.toContain(value);
      expect(after.rows[0]?.count).toBe(before.rows[0]?.count);
    });

    it('rejects unknown fields and the profile record type', async () => {
      const app = await sharedApp();
      const owner = await registerUser(app);
      const unknown = await app.inject({
        method: 'POST',
        url: '/hipaa/phi/records',
        headers: owner.auth,
        payload: { fields: { diagnosis: 'flu' } },
      });
      const reserved = await app.inject({
        method: 'POST',
        url: '/hipaa/phi/records',
        headers: owner.auth,
        payload: { recordType: 'user_profile', fields: { name: 'Jane Doe' } },
      });

      expect(unknown.statusCode).toBe(400);
      expect(reserved.statusCode).toBe(400);
    });
  });

  describe('update and delete', () => {
    it('changes and removes fields', async () => {
      const db = getDb();
      const app = await sharedApp();
      const owner = await registerUser(app);
      const created = await createPatient(app, owner.auth, { name: 'Jane Doe', email: 'jane@example.com' });
      const patched = await app.inject({
        method: 'PATCH',
        url: `/hipaa/phi/records/${created.id}`,
        headers: owner.auth,
        payload: { fields: { phone: '+49 30 1234567', email: null } },
      });
      const { rows } = await db.query<{ fields: Record<string, string> }>(
        'SELECT fields FROM phi_records WHERE id = $1',
        [created.id],
      );

      expect(patched.statusCode).toBe(200);
      expect(patched.json().fields).toEqual({ name: 'J*** D***', phone: '+*******4567' });
      expect(Object.keys(rows[0]?.fields ?? {}).sort()).toEqual(['name', 'phone']);
      expect(JSON.stringify(rows)).not.toContain('1234567');
    });

    it('deletes a record', async () => {
      const app = await sharedApp();
      const owner = await registerUser(app);
      const created = await createPatient(app, owner.auth);
      const deleted = await app.inject({
        method: 'DELETE',
        url: `/hipaa/phi/records/${created.id}`,
        headers: owner.auth,
      });
      const read = await app.inject({
        method: 'GET',
        url: `/hipaa/phi/records/${created.id}`,
        headers: owner.auth,
      });

      expect(deleted.statusCode).toBe(204);
      expect(read.statusCode).toBe(404);
    });
  });

  describe('reveal', () => {
    it('returns plaintext for a stated purpose and audits it', async () => {
      const db = getDb();
      const app = await sharedApp();
      const owner = await registerUser(app);
      const created = await createPatient(app, owner.auth);
      const response = await app.inject({
        method: 'POST',
        url: `/hipaa/phi/records/${created.id}/reveal`,
        headers: owner.auth,
        payload: { purpose: 'treatment', fields: ['ssn', 'phone'] },
      });
      const { rows } = await db.query<{ action: string; purpose: string; actor_id: string }>(
        "SELECT action, purpose, actor_id FROM phi_audit_events WHERE resource_id = $1 AND action = 'phi.reveal'",
        [created.id],
      );

      expect(response.statusCode).toBe(200);
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.json().fields).toEqual({ ssn: '123456789', phone: '+14155550123' });
      expect(rows).toEqual([{ action: 'phi.reveal', purpose: 'treatment', actor_id: owner.userId }]);
    });

    it('requires a purpose from the list', async () => {
      const app = await sharedApp();
      const owner = await registerUser(app);
      const created = await createPatient(app, owner.auth);
      const missing = await app.inject({
        method: 'POST',
        url: `/hipaa/phi/records/${created.id}/reveal`,
        headers: owner.auth,
        payload: {},
      });
      const freeText = await app.inject({
        method: 'POST',
        url: `/hipaa/phi/records/${created.id}/reveal`,
        headers: owner.auth,
        payload: { purpose: 'because' },
      });

      expect(missing.statusCode).toBe(400);
      expect(freeText.statusCode).toBe(400);
    });

    it('denies members without phi:reveal and audits the attempt', async () => {
      const db = getDb();
      const app = await sharedApp();
      const owner = await registerUser(app);
      const created = await createPatient(app, owner.auth);
      const member = await memberOf(app, db, owner.tenantId);
      const masked = await app.inject({
        method: 'GET',
        url: `/hipaa/phi/records/${created.id}`,
        headers: member.auth,
      });
      const reveal = await app.inject({
        method: 'POST',
        url: `/hipaa/phi/records/${created.id}/reveal`,
        headers: member.auth,
        payload: { purpose: 'treatment' },
      });
      const { rows } = await db.query<{ outcome: string }>(
        "SELECT outcome FROM phi_audit_events WHERE resource_id = $1 AND action = 'phi.reveal'",
        [created.id],
      );

      expect(masked.statusCode).toBe(200);
      expect(reveal.statusCode).toBe(403);
      expect(reveal.body).not.toContain('6789');
      expect(rows).toEqual([{ outcome: 'denied' }]);
    });

    it('returns no plaintext when the audit write fails', async () => {
      const db = getDb();
      const app = await sharedApp();
      const owner = await registerUser(app);
      const created = await createPatient(app, owner.auth);
      await db.query(`CREATE OR REPLACE FUNCTION test_reject_reveal_events() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.action = 'phi.reveal' THEN
            RAISE EXCEPTION 'audit store unavailable';
          END IF;
          RETURN NEW;
        END;
        $$`);
      await db.query(
        'CREATE TRIGGER test_reject_reveal BEFORE INSERT ON phi_audit_events FOR EACH ROW EXECUTE FUNCTION test_reject_reveal_events()',
      );
      let response: Awaited<ReturnType<ServiceApp['inject']>>;
      try {
        response = await app.inject({
          method: 'POST',
          url: `/hipaa/phi/records/${created.id}/reveal`,
          headers: owner.auth,
          payload: { purpose: 'treatment' },
        });
      } finally {
        await db.query('DROP TRIGGER test_reject_reveal ON phi_audit_events');
      }

      expect(response.statusCode).toBe(503);
      expect(response.json().error.code).toBe('audit_unavailable');
      expect(leakedFragments(response.body)).toEqual([]);
    });
  });

  describe('legacy values', () => {
    it('reads a value written by the earlier service', async () => {
      const db = getDb();
      const app = await sharedApp();
      const owner = await registerUser(app);
      const id = randomUUID();
      await db.query(
        "INSERT INTO phi_records (id, tenant_id, record_type, fields) VALUES ($1, $2, 'patient', $3::jsonb)",
        [id, owner.tenantId, JSON.stringify({ ssn: legacyCiphertext(owner.tenantId, '123-45-6789') })],
      );
      const masked = await app.inject({
        method: 'GET',
        url: `/hipaa/phi/records/${id}`,
        headers: owner.auth,
      });
      const revealed = await app.inject({
        method: 'POST',
        url: `/hipaa/phi/records/${id}/reveal`,
        headers: owner.auth,
        payload: { purpose: 'treatment' },
      });

      expect(masked.json().fields).toEqual({ ssn: '***-**-6789' });
      expect(revealed.json().fields).toEqual({ ssn: '123-45-6789' });
    });
  });

  describe('search', () => {
    it('finds records by a normalized value in the body', async () => {
      const app = await sharedApp();
      const owner = await registerUser(app);
      const created = await createPatient(app, owner.auth);
      await createPatient(app, owner.auth, { ssn: '123-45-6780', name: 'John Roe' });
      const bySsn = await app.inject({
        method: 'POST',
        url: '/hipaa/phi/records/search',
        headers: owner.auth,
        payload: { field: 'ssn', value: '123 45 6789' },
      });
      const byName = await app.inject({
        method: 'POST',
        url: '/hipaa/phi/records/search',
        headers: owner.auth,
        payload: { field: 'name', value: 'jane  DOE' },
      });
      const none = await app.inject({
        method: 'POST',
        url: '/hipaa/phi/records/search',
        headers: owner.auth,
        payload: { field: 'email', value: 'nobody@example.com' },
      });

      expect(bySsn.statusCode).toBe(200);
      expect(bySsn.json().records.map((r: { id: string }) => r.id)).toEqual([created.id]);
      expect(bySsn.json().records[0].fields.ssn).toBe('***-**-6789');
      expect(byName.json().records.map((r: { id: string }) => r.id)).toEqual([created.id]);
      expect(none.json().records).toEqual([]);
    });

    it('rejects an invalid search value', async () => {
      const app = await sharedApp();
      const owner = await registerUser(app);
      const response = await app.inject({
        method: 'POST',
        url: '/hipaa/phi/records/search',
        headers: owner.auth,
        payload: { field: 'ssn', value: '12-34' },
      });

      expect(response.statusCode).toBe(400);
      expect(response.json().error.code).toBe('invalid_ssn');
    });
  });

  describe('tenant isolation', () => {
    it('answers 404 for another tenant’s record', async () => {
      const app = await sharedApp();
      const owner = await registerUser(app);
      const stranger = await registerUser(app);
      const created = await createPatient(app, owner.auth);
      const url = `/hipaa/phi/records/${created.id}`;
      const responses = [
        await app.inject({ method: 'GET', url, headers: stranger.auth }),
        await app.inject({
          method: 'PATCH',
          url,
          headers: stranger.auth,
          payload: { fields: { name: 'Eve' } },
        }),
        await app.inject({
          method: 'POST',
          url: `${url}/reveal`,
          headers: stranger.auth,
          payload: { purpose: 'treatment' },
        }),
        await app.inject({ method: 'DELETE', url, headers: stranger.auth }),
        await app.inject({ method: 'GET', url: `/hipaa/phi/records/${randomUUID()}`, headers: owner.auth }),
        await app.inject({ method: 'GET', url: '/hipaa/phi/records/not-a-uuid', headers: owner.auth }),
      ];
      const search = await app.inject({
        method: 'POST',
        url: '/hipaa/phi/records/search',
        headers: stranger.auth,
        payload: { field: 'ssn', value: PATIENT.ssn },
      });
      const stillThere = await app.inject({ method: 'GET', url, headers: owner.auth });

      expect(responses.map((r) => r.statusCode)).toEqual([404, 404, 404, 404, 404, 404]);
      for (const response of responses) {
        expect(leakedFragments(response.body)).toEqual([]);
      }
      expect(search.json().records).toEqual([]);
      expect(stillThere.json().fields.name).toBe('J*** D***');
    });
  });

  describe('tokens', () => {
    it('tokenizes repeatably and detokenizes for a purpose', async () => {
      const db = getDb();
      const app = await sharedApp();
      const owner = await registerUser(app);
      const tokenize = (values: string[]) =>
        app.inject({
          method: 'POST',
          url: '/hipaa/phi/tokens',
          headers: owner.auth,
          payload: { field: 'ssn', values },
        });
      const first = await tokenize(['123-45-6789', '000-00-0000']);
      const second = await tokenize(['123456789']);
      const token = first.json().results[0].token as string;
      const detokenized = await app.inject({
        method: 'POST',
        url: '/hipaa/phi/tokens/detokenize',
        headers: owner.auth,
        payload: { field: 'ssn', tokens: [token, 'tok_AAAAAAAAAAAAAAAAAAAAAA'], purpose: 'payment' },
      });
      const member = await memberOf(app, db, owner.tenantId);
      const denied = await app.inject({
        method: 'POST',
        url: '/hipaa/phi/tokens/detokenize',
        headers: member.auth,
        payload: { field: 'ssn', tokens: [token], purpose: 'payment' },
      });

      expect(token).toMatch(/^tok_[A-Za-z0-9_-]{22}$/);
      expect(first.json().results[1].error.code).toBe('invalid_ssn');
      expect(second.json().results[0].token).toBe(token);
      expect(detokenized.json().results).toEqual([
        { value: '123456789' },
        { error: { code: 'not_found', message: 'The token was not found' } },
      ]);
      expect(denied.statusCode).toBe(403);
      expect(leakedFragments(await dumpTable(db, 'phi_tokens'))).toEqual([]);
    });
  });

  describe('no PHI outside the ciphertexts', () => {
    it('keeps PHI out of logs and audit events', async () => {
      const db = getDb();
      const logs = new LogCapture();
      const app = await buildPhiApp(db, { logs });
      const owner = await registerUser(app);
      const created = await createPatient(app, owner.auth);
      const url = `/hipaa/phi/records/${created.id}`;
      await app.inject({ method: 'GET', url, headers: owner.auth });
      await app.inject({
        method: 'POST',
        url: `${url}/reveal`,
        headers: owner.auth,
        payload: { purpose: 'treatment' },
      });
      await app.inject({
        method: 'POST',
        url: '/hipaa/phi/records/search',
        headers: owner.auth,
        payload: { field: 'ssn', value: PATIENT.ssn },
      });
      await app.inject({
        method: 'POST',
        url: '/hipaa/phi/records',
        headers: owner.auth,
        payload: { fields: { ssn: '987-65-4321x' } },
      });
      await app.inject({
        method: 'PATCH',
        url,
        headers: owner.auth,
        payload: { fields: { name: 'Jane Q Doe' } },
      });
      await app.inject({
        method: 'POST',
        url: '/hipaa/phi/tokens',
        headers: owner.auth,
        payload: { field: 'name', values: ['Jane Doe'] },
      });
      await app.inject({ method: 'DELETE', url, headers: owner.auth });
      const audit = await dumpTable(db, 'phi_audit_events');

      expect(logs.lines.length).toBeGreaterThan(10);
      expect(leakedFragments(logs.text, [...PATIENT_FRAGMENTS, '987-65-4321', 'Jane Q'])).toEqual([]);
      expect(leakedFragments(audit, [...PATIENT_FRAGMENTS, '987-65-4321', 'Jane Q'])).toEqual([]);
      expect(audit).toContain('phi.encrypt');
      expect(audit).toContain('phi.decrypt');
      expect(audit).toContain('phi.reveal');
      expect(audit).toContain('phi.search');
      expect(audit).toContain('phi.tokenize');
      expect(audit).toContain('phi.delete');
    });
  });
});
