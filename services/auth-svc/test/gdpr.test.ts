import { setTimeout as sleep } from 'node:timers/promises';
import { isPhiCryptoError } from '@skillancer/phi-crypto';
import { executeDueShreds, recordFieldContext } from '@skillancer/phi-store';
import { forEachEngine } from '@skillancer/testing/database';
import { describe, expect, it } from 'vitest';
import { buildPhiApp, manualClock, memberOf, operatorStore, PATIENT } from './phi-fixtures.js';
import { registerUser } from './support.js';

async function count(
  db: { query: (sql: string, params: unknown[]) => Promise<{ rows: unknown[] }> },
  sql: string,
  params: unknown[],
) {
  const { rows } = await db.query(sql, params);
  return Number((rows[0] as { count: string }).count);
}

forEachEngine('auth-svc GDPR', (getDb) => {
  describe('account erasure', () => {
    it('schedules, reports and cancels', async () => {
      const clock = manualClock();
      const app = await buildPhiApp(getDb(), { phi: { clock: clock.now, tenantShredDelayHours: 72 } });
      const user = await registerUser(app);
      const requested = await app.inject({ method: 'DELETE', url: '/gdpr/account', headers: user.auth });
      const again = await app.inject({ method: 'DELETE', url: '/gdpr/account', headers: user.auth });
      const status = await app.inject({ method: 'GET', url: '/gdpr/account/erasure', headers: user.auth });
      const cancelled = await app.inject({
        method: 'POST',
        url: '/gdpr/account/erasure/cancel',
        headers: user.auth,
      });
      const cancelAgain = await app.inject({
        method: 'POST',
        url: '/gdpr/account/erasure/cancel',
        headers: user.auth,
      });

      expect(requested.statusCode).toBe(202);
      expect(requested.json().erasure).toMatchObject({
        tenantId: user.tenantId,
        scope: 'account',
        status: 'scheduled',
      });
      expect(Date.parse(requested.json().erasure.dueAt) - clock.now()).toBe(72 * 3_600_000);
      expect(again.statusCode).toBe(409);
      expect(again.json().error.code).toBe('erasure_pending');
      expect(status.json().erasure.id).toBe(requested.json().erasure.id);
      expect(cancelled.json().erasure.status).toBe('cancelled');
      expect(cancelAgain.statusCode).toBe(404);
    });

    it('erases the account once the waiting period is over', async () => {
      const db = getDb();
      const clock = manualClock();
      const app = await buildPhiApp(db, { phi: { clock: clock.now } });
      const user = await registerUser(app);
      await app.inject({
        method: 'PATCH',
        url: '/profile',
        headers: user.auth,
        payload: { phone: '+14155550123', headline: 'Nurse' },
      });
      const created = await app.inject({
        method: 'POST',
        url: '/hipaa/phi/records',
        headers: user.auth,
        payload: { fields: { ssn: PATIENT.ssn } },
      });
      const recordId = created.json().id as string;
      const { rows } = await db.query<{ fields: Record<string, string> }>(
        'SELECT fields FROM phi_records WHERE id = $1',
        [recordId],
      );
      const ciphertext = rows[0]?.fields.ssn ?? '';
      await app.inject({ method: 'DELETE', url: '/gdpr/account', headers: user.auth });

      const operator = operatorStore(db, clock.now);
      clock.advanceHours(71);
      expect((await executeDueShreds(operator)).executed).toBe(0);
      clock.advanceHours(2);
      const run = await executeDueShreds(operator);
      const login = await app.inject({
        method: 'POST',
        url: '/auth/login',
        payload: { email: user.email, password: user.password },
      });
      const decrypt = await operatorStore(db, clock.now)
        .encryptor.decrypt(
          recordFieldContext({ tenantId: user.tenantId, recordType: 'phi_record', id: recordId }, 'ssn'),
          ciphertext,
        )
        .catch((e: unknown) => e);
      const events = await operator.audit.listEvents(user.tenantId, { limit: 100 });

      expect(run.executions.find((e) => e.tenantId === user.tenantId)?.counts.user).toBe('deleted');
      expect(login.statusCode).toBe(401);
      expect(isPhiCryptoError(decrypt, 'key_destroyed')).toBe(true);
      expect(
        await count(db, 'SELECT count(*) AS count FROM phi_records WHERE tenant_id = $1', [user.tenantId]),
      ).toBe(0);
      expect(
        await count(db, 'SELECT count(*) AS count FROM user_profiles WHERE user_id = $1', [user.userId]),
      ).toBe(0);
      expect(events.map((e) => e.action)).toEqual(
        expect.arrayContaining(['tenant.shred_requested', 'key.destroy', 'tenant.shred']),
      );
      expect((await operator.audit.verifyChain(user.tenantId)).ok).toBe(true);
    });

    it('needs a personal tenant', async () => {
      const app = await buildPhiApp(getDb());
      const client = await registerUser(app, { accountType: 'client', organizationName: 'Clinic Nord' });
      const response = await app.inject({ method: 'DELETE', url: '/gdpr/account', headers: client.auth });

      expect(response.statusCode).toBe(409);
      expect(response.json().error.code).toBe('no_personal_tenant');
    });

    it('runs due erasures on the timer', async () => {
      const db = getDb();
      const app = await buildPhiApp(db, { phi: { tenantShredDelayHours: 0, shredJobIntervalMs: 20 } });
      const user = await registerUser(app);
      await app.inject({ method: 'DELETE', url: '/gdpr/account', headers: user.auth });
      for (let attempt = 0; attempt < 100; attempt += 1) {
        if ((await count(db, 'SELECT count(*) AS count FROM users WHERE id = $1', [user.userId])) === 0) {
          break;
        }
        await sleep(20);
      }
      await app.close();

      expect(await count(db, 'SELECT count(*) AS count FROM users WHERE id = $1', [user.userId])).toBe(0);
      expect(
        await count(
          db,
          'SELECT count(*) AS count FROM phi_shred_requests WHERE tenant_id = $1 AND executed_at IS NOT NULL',
          [user.tenantId],
        ),
      ).toBe(1);
    });
  });

  describe('tenant erasure', () => {
    it('is for admins of the same tenant', async () => {
      const db = getDb();
      const app = await buildPhiApp(db);
      const owner = await registerUser(app, { accountType: 'client', organizationName: 'Clinic Süd' });
      const member = await memberOf(app, db, owner.tenantId);
      const stranger = await registerUser(app);
      const byMember = await app.inject({
        method: 'DELETE',
        url: `/gdpr/tenants/${owner.tenantId}`,
        headers: member.auth,
      });
      const byStranger = await app.inject({
        method: 'DELETE',
        url: `/gdpr/tenants/${owner.tenantId}`,
        headers: stranger.auth,
      });
      const byOwner = await app.inject({
        method: 'DELETE',
        url: `/gdpr/tenants/${owner.tenantId}`,
        headers: owner.auth,
        payload: { reason: 'contract ended' },
      });
      const cancelled = await app.inject({
        method: 'POST',
        url: `/gdpr/tenants/${owner.tenantId}/erasure/cancel`,
        headers: owner.auth,
      });

      expect(byMember.statusCode).toBe(403);
      expect(byStranger.statusCode).toBe(404);
      expect(byOwner.statusCode).toBe(202);
      expect(byOwner.json().erasure).toMatchObject({ scope: 'tenant', tenantId: owner.tenantId });
      expect(cancelled.json().erasure.status).toBe('cancelled');
    });

    it('destroys keys and deletes the tenant when due', async () => {
      const db = getDb();
      const clock = manualClock();
      const app = await buildPhiApp(db, { phi: { clock: clock.now } });
      const owner = await registerUser(app, { accountType: 'client', organizationName: 'Clinic West' });
      await app.inject({
        method: 'POST',
        url: '/hipaa/phi/records',
        headers: owner.auth,
        payload: { fields: { name: PATIENT.name } },
      });
      await app.inject({ method: 'DELETE', url: `/gdpr/tenants/${owner.tenantId}`, headers: owner.auth });
      clock.advanceHours(73);
      const run = await executeDueShreds(operatorStore(db, clock.now));
      const execution = run.executions.find((e) => e.tenantId === owner.tenantId);

      expect(execution?.counts).toMatchObject({ records: 1, tenantDeleted: true, user: 'none' });
      expect(execution?.destroyedKeys.length).toBe(2);
      expect(await count(db, 'SELECT count(*) AS count FROM users WHERE id = $1', [owner.userId])).toBe(1);
    });
  });

  describe('export', () => {
    it('returns the caller’s data decrypted and audits it', async () => {
      const db = getDb();
      const app = await buildPhiApp(db);
      const user = await registerUser(app, { displayName: 'Jane Doe' });
      await app.inject({
        method: 'PATCH',
        url: '/profile',
        headers: user.auth,
        payload: { phone: '+1 415 555 0123', dateOfBirth: '1980-04-12', headline: 'Nurse' },
      });
      await app.inject({
        method: 'POST',
        url: '/hipaa/phi/records',
        headers: user.auth,
        payload: { recordType: 'insurance', fields: { insuranceId: PATIENT.insuranceId } },
      });
      const response = await app.inject({ method: 'GET', url: '/gdpr/export', headers: user.auth });
      const body = response.json();
      const { rows } = await db.query<{ action: string; resource_type: string }>(
        "SELECT action, resource_type FROM phi_audit_events WHERE tenant_id = $1 AND action = 'phi.export' ORDER BY sequence",
        [user.tenantId],
      );

      expect(response.statusCode).toBe(200);
      expect(response.headers['content-disposition']).toContain('attachment');
      expect(body.account).toMatchObject({ id: user.userId, email: user.email, displayName: 'Jane Doe' });
      expect(body.memberships).toEqual([
        expect.objectContaining({ tenantId: user.tenantId, tenantKind: 'personal', role: 'owner' }),
      ]);
      expect(body.profiles).toEqual([
        expect.objectContaining({
          tenantId: user.tenantId,
          headline: 'Nurse',
          phone: '+14155550123',
          dateOfBirth: '1980-04-12',
        }),
      ]);
      expect(body.records).toEqual([
        expect.objectContaining({ recordType: 'insurance', fields: { insuranceId: 'INS99887766' } }),
      ]);
      expect(rows).toEqual([
        { action: 'phi.export', resource_type: 'user_profile' },
        { action: 'phi.export', resource_type: 'phi_record' },
      ]);
    });
  });
});
