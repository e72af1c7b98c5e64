import { hashAuditEvent } from '@skillancer/phi-crypto';
import type { ServiceApp } from '@skillancer/service-kit';
import { forEachEngine } from '@skillancer/testing/database';
import { afterAll, describe, expect, it } from 'vitest';
import { buildPhiApp, memberOf, PATIENT } from './phi-fixtures.js';
import { registerUser } from './support.js';

forEachEngine('auth-svc access log', (getDb) => {
  // Tests that need no special settings share one app per engine; each registers its own users.
  let shared: Promise<ServiceApp> | undefined;
  const sharedApp = () => {
    shared ??= buildPhiApp(getDb());
    return shared;
  };
  afterAll(async () => {
    await (await shared)?.close();
  });

  describe('GET /hipaa/phi/access-log', () => {
    it('pages the tenant’s events newest first and verifies the chain', async () => {
      const app = await sharedApp();
      const owner = await registerUser(app);
      const created = await app.inject({
        method: 'POST',
        url: '/hipaa/phi/records',
        headers: owner.auth,
        payload: { fields: { ssn: PATIENT.ssn } },
      });
      const id = created.json().id as string;
      await app.inject({ method: 'GET', url: `/hipaa/phi/records/${id}`, headers: owner.auth });
      await app.inject({
        method: 'POST',
        url: `/hipaa/phi/records/${id}/reveal`,
        headers: owner.auth,
        payload: { purpose: 'payment' },
      });

      const first = await app.inject({
        method: 'GET',
        url: '/hipaa/phi/access-log?limit=2',
        headers: owner.auth,
      });
      const second = await app.inject({
        method: 'GET',
        url: `/hipaa/phi/access-log?limit=50&before=${first.json().nextBefore}`,
        headers: owner.auth,
      });
      const page1 = first.json().events as Array<{ sequence: number; action: string; purpose: string }>;
      const page2 = second.json().events as Array<{ sequence: number; action: string }>;

      expect(first.statusCode).toBe(200);
      expect(first.json().verified).toBe(true);
      expect(page1.map((e) => e.action)).toEqual(['phi.reveal', 'phi.decrypt']);
      expect(page1[0]?.purpose).toBe('payment');
      expect(page2.map((e) => e.action)).toContain('phi.encrypt');
      expect(Math.max(...page2.map((e) => e.sequence))).toBe((page1[1]?.sequence ?? 0) - 1);
      expect(second.json().nextBefore).toBeNull();
    });

    it('is for tenant admins only', async () => {
      const db = getDb();
      const app = await sharedApp();
      const owner = await registerUser(app);
      const member = await memberOf(app, db, owner.tenantId);
      const response = await app.inject({
        method: 'GET',
        url: '/hipaa/phi/access-log',
        headers: member.auth,
      });

      expect(response.statusCode).toBe(403);
    });

    it('shows only the caller’s tenant', async () => {
      const app = await sharedApp();
      const owner = await registerUser(app);
      const other = await registerUser(app);
      await app.inject({
        method: 'POST',
        url: '/hipaa/phi/records',
        headers: owner.auth,
        payload: { fields: { name: PATIENT.name } },
      });
      const response = await app.inject({ method: 'GET', url: '/hipaa/phi/access-log', headers: other.auth });

      expect(response.json().events).toEqual([]);
      expect(response.json().verified).toBe(true);
    });

    it('reports a tampered chain', async () => {
      const db = getDb();
      const app = await sharedApp();
      const owner = await registerUser(app);
      for (const name of ['Jane Doe', 'John Roe']) {
        await app.inject({
          method: 'POST',
          url: '/hipaa/phi/records',
          headers: owner.auth,
          payload: { fields: { name } },
        });
      }
      await db.query('ALTER TABLE phi_audit_events DISABLE TRIGGER phi_audit_events_append_only');
      try {
        await db.query(
          "UPDATE phi_audit_events SET actor_id = 'someone-else' WHERE tenant_id = $1 AND action = 'phi.encrypt'",
          [owner.tenantId],
        );
      } finally {
        await db.query('ALTER TABLE phi_audit_events ENABLE TRIGGER phi_audit_events_append_only');
      }
      const response = await app.inject({ method: 'GET', url: '/hipaa/phi/access-log', headers: owner.auth });

      expect(response.json().verified).toBe(false);
      expect(response.json().verification.reason).toBe('hash_mismatch');
    });

    it('reports an event rehashed in plain SHA-256', async () => {
      const db = getDb();
      const app = await sharedApp();
      const owner = await registerUser(app);
      await app.inject({
        method: 'POST',
        url: '/hipaa/phi/records',
        headers: owner.auth,
        payload: { fields: { name: 'Jane Doe' } },
      });
      const listed = await app.inject({
        method: 'GET',
        url: '/hipaa/phi/access-log?limit=1',
        headers: owner.auth,
      });
      const newest = listed.json().events[0];
      const { rows } = await db.query<{ previous_hash: string }>(
        'SELECT previous_hash FROM phi_audit_events WHERE tenant_id = $1 AND sequence = $2',
        [owner.tenantId, newest.sequence],
      );
      // Someone without the audit MAC key can only recompute the hash in plain SHA-256.
      const forged = { ...newest, tenantId: owner.tenantId, purpose: 'marketing' };
      const hash = hashAuditEvent(rows[0]?.previous_hash ?? '', forged);
      await db.query('ALTER TABLE phi_audit_events DISABLE TRIGGER USER');
      try {
        await db.query(
          "UPDATE phi_audit_events SET purpose = 'marketing', hash = $3, mac_key_version = NULL WHERE tenant_id = $1 AND sequence = $2",
          [owner.tenantId, newest.sequence, hash],
        );
      } finally {
        await db.query('ALTER TABLE phi_audit_events ENABLE TRIGGER USER');
      }
      await db.query('UPDATE phi_audit_chain_heads SET hash = $2 WHERE tenant_id = $1', [
        owner.tenantId,
        hash,
      ]);
      const response = await app.inject({ method: 'GET', url: '/hipaa/phi/access-log', headers: owner.auth });

      expect(response.json().verified).toBe(false);
      expect(response.json().verification).toMatchObject({
        brokenAt: newest.sequence,
        reason: 'unkeyed_event',
      });
    });

    it('refuses to start when the audit MAC key cannot be unwrapped', async () => {
      const db = getDb();
      await sharedApp();
      // A copy of version 1's wrapped key as version 2 fails to unwrap, because the wrap binds the version.
      await db.query(
        `INSERT INTO phi_audit_mac_keys (version, wrapped_key, master_key_id)
         SELECT 2, wrapped_key, master_key_id FROM phi_audit_mac_keys WHERE version = 1`,
      );
      try {
        const error = await buildPhiApp(db).then(
          async (app) => {
            await app.close();
            return undefined;
          },
          (failure: unknown) => failure,
        );

        expect(error).toBeInstanceOf(Error);
        expect((error as Error).message).toContain('audit MAC key version 2');
        expect((error as Error).message).toContain('ENCRYPTION_MASTER_KEY');
      } finally {
        await db.query('DELETE FROM phi_audit_mac_keys WHERE version = 2');
      }
    });
  });
});
