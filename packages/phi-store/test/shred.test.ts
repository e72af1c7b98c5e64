import { randomUUID } from 'node:crypto';
import type { Database } from '@skillancer/database';
import { isPhiCryptoError } from '@skillancer/phi-crypto';
import { forEachEngine } from '@skillancer/testing/database';
import { describe, expect, it } from 'vitest';
import {
  cancelTenantShred,
  executeDueShreds,
  isPhiStoreError,
  type PhiStore,
  recordFieldContext,
  requestTenantShred,
  shredTenantNow,
} from '../src/index.js';
import { ACTOR, insertTenant, manualClock, testStore } from './support.js';

/** Stores one encrypted record and one token for the tenant; returns what a later read needs. */
async function seedPhi(store: PhiStore, tenantId: string, userId: string) {
  const record = { id: randomUUID(), tenantId, recordType: 'patient' };
  const ssn = await store.encryptor.encrypt(recordFieldContext(record, 'ssn'), '123456789');
  await store.records.insert({ ...record, fields: { ssn }, createdBy: userId }, []);
  const token = await store.tokenizer.tokenize(
    { tenantId, field: 'patient.ssn', type: 'ssn' },
    '123-45-6789',
  );
  return { record, ssn, token };
}

async function count(db: Database, sql: string, params: unknown[]): Promise<number> {
  const { rows } = await db.query<{ count: string }>(sql, params);
  return Number(rows[0]?.count);
}

forEachEngine('tenant shredding', (getDb) => {
  describe('waiting period', () => {
    it('waits, can be cancelled, then shreds', async () => {
      const db = getDb();
      const clock = manualClock();
      const store = testStore(db, { clock: clock.now });
      const { tenantId, userId } = await insertTenant(db);
      const seeded = await seedPhi(store, tenantId, userId);

      await requestTenantShred(store, {
        tenantId,
        scope: 'tenant',
        actor: ACTOR,
        reason: 'contract ended',
        delayHours: 72,
      });
      clock.advanceHours(1);
      expect((await executeDueShreds(store)).executed).toBe(0);

      await cancelTenantShred(store, tenantId, ACTOR);
      clock.advanceHours(100);
      expect((await executeDueShreds(store)).executed).toBe(0);
      expect(await store.encryptor.decrypt(recordFieldContext(seeded.record, 'ssn'), seeded.ssn)).toBe(
        '123456789',
      );

      await requestTenantShred(store, {
        tenantId,
        scope: 'tenant',
        actor: ACTOR,
        reason: 'contract ended',
        delayHours: 72,
      });
      const duplicate = await requestTenantShred(store, {
        tenantId,
        scope: 'tenant',
        actor: ACTOR,
        reason: 'again',
        delayHours: 72,
      }).catch((e: unknown) => e);
      expect(isPhiStoreError(duplicate, 'shred_request_exists')).toBe(true);

      clock.advanceHours(73);
      const progress: number[] = [];
      const run = await executeDueShreds(store, { onProgress: (p) => progress.push(p.executed) });

      expect(run.executed).toBe(1);
      expect(progress).toEqual([1]);
      expect(run.executions[0]?.destroyedKeys.map((k) => `${k.purpose}:${k.version}`).sort()).toEqual([
        'data:1',
        'index:1',
      ]);
      expect(await count(db, 'SELECT count(*) FROM phi_records WHERE tenant_id = $1', [tenantId])).toBe(0);
      expect(await count(db, 'SELECT count(*) FROM phi_tokens WHERE tenant_id = $1', [tenantId])).toBe(0);
      expect(await count(db, 'SELECT count(*) FROM tenants WHERE id = $1', [tenantId])).toBe(0);
      expect(
        await count(
          db,
          'SELECT count(*) FROM phi_tenant_keys WHERE tenant_id = $1 AND wrapped_key IS NOT NULL',
          [tenantId],
        ),
      ).toBe(0);
    });

    it('makes every ciphertext of the tenant unrecoverable', async () => {
      const db = getDb();
      const clock = manualClock();
      const store = testStore(db, { clock: clock.now });
      const { tenantId, userId } = await insertTenant(db);
      const seeded = await seedPhi(store, tenantId, userId);
      await requestTenantShred(store, {
        tenantId,
        scope: 'tenant',
        actor: ACTOR,
        reason: 'test',
        delayHours: 1,
      });
      clock.advanceHours(2);
      await executeDueShreds(store);

      const fresh = testStore(db, { clock: clock.now });
      const error = await fresh.encryptor
        .decrypt(recordFieldContext(seeded.record, 'ssn'), seeded.ssn)
        .catch((e: unknown) => e);
      expect(isPhiCryptoError(error, 'key_destroyed')).toBe(true);
      const reuse = await fresh.encryptor
        .encrypt(recordFieldContext(seeded.record, 'ssn'), '123456789')
        .catch((e: unknown) => e);
      expect(isPhiCryptoError(reuse, 'key_destroyed')).toBe(true);
    });

    it('records what was destroyed in the tenant chain', async () => {
      const db = getDb();
      const clock = manualClock();
      const store = testStore(db, { clock: clock.now });
      const { tenantId, userId } = await insertTenant(db);
      await seedPhi(store, tenantId, userId);
      await requestTenantShred(store, {
        tenantId,
        scope: 'tenant',
        actor: ACTOR,
        reason: 'test',
        delayHours: 0,
      });
      await executeDueShreds(store, { actor: ACTOR });

      const events = await store.audit.listEvents(tenantId, { limit: 50 });
      const actions = events.map((e) => e.action);
      const summary = events.find((e) => e.action === 'tenant.shred');
      expect(actions).toContain('tenant.shred_requested');
      expect(
        events
          .filter((e) => e.action === 'key.destroy')
          .map((e) => e.resource.id)
          .sort(),
      ).toEqual(['data:1', 'index:1']);
      expect(summary?.details).toMatchObject({
        destroyedKeyVersions: expect.arrayContaining(['data:1', 'index:1']),
        recordsDeleted: 1,
        tokensDeleted: 1,
        tenantDeleted: true,
      });
      expect(summary?.actor).toEqual(ACTOR);
      expect((await store.audit.verifyChain(tenantId)).ok).toBe(true);
    });
  });

  describe('faults', () => {
    it('refuses to cancel a started shred', async () => {
      const db = getDb();
      const store = testStore(db);
      const { tenantId } = await insertTenant(db);
      const request = await requestTenantShred(store, {
        tenantId,
        scope: 'tenant',
        actor: ACTOR,
        reason: 'test',
        delayHours: 0,
      });
      await store.shredRequests.claim(request.id, new Date(store.clock()));
      const error = await cancelTenantShred(store, tenantId, ACTOR).catch((e: unknown) => e);

      expect(isPhiStoreError(error, 'shred_request_started')).toBe(true);
    });

    it('finishes a shred that crashed after destroying keys', async () => {
      const db = getDb();
      const store = testStore(db);
      const { tenantId, userId } = await insertTenant(db);
      await seedPhi(store, tenantId, userId);
      const request = await requestTenantShred(store, {
        tenantId,
        scope: 'tenant',
        actor: ACTOR,
        reason: 'test',
        delayHours: 0,
      });
      await store.shredRequests.claim(request.id, new Date(store.clock()));
      await store.keys.shredTenant(tenantId);

      const run = await executeDueShreds(store);
      const execution = run.executions.find((e) => e.requestId === request.id);

      expect(execution?.destroyedKeys).toHaveLength(2);
      expect(execution?.counts.records).toBe(1);
      expect((await store.shredRequests.get(request.id))?.executedAt).not.toBeNull();
      expect(await count(db, 'SELECT count(*) FROM phi_records WHERE tenant_id = $1', [tenantId])).toBe(0);
    });

    it('shreds at once for the command line', async () => {
      const db = getDb();
      const store = testStore(db);
      const { tenantId, userId } = await insertTenant(db);
      await seedPhi(store, tenantId, userId);
      const executed = await shredTenantNow(store, { tenantId, actor: ACTOR, reason: 'operator request' });

      expect(executed.counts.records).toBe(1);
      expect(executed.destroyedKeys).toHaveLength(2);
    });
  });

  describe('account erasure', () => {
    it('deletes the user and its profiles elsewhere', async () => {
      const db = getDb();
      const store = testStore(db);
      const personal = await insertTenant(db, 'personal');
      const organization = await insertTenant(db);
      await db.query("INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, 'member')", [
        organization.tenantId,
        personal.userId,
      ]);
      const profileRecord = { id: randomUUID(), tenantId: organization.tenantId, recordType: 'user_profile' };
      const phone = await store.encryptor.encrypt(recordFieldContext(profileRecord, 'phone'), '+14155550123');
      await store.records.insert({ ...profileRecord, fields: { phone }, createdBy: personal.userId }, []);
      await db.query('INSERT INTO user_profiles (tenant_id, user_id, phi_record_id) VALUES ($1, $2, $3)', [
        organization.tenantId,
        personal.userId,
        profileRecord.id,
      ]);

      await requestTenantShred(store, {
        tenantId: personal.tenantId,
        scope: 'account',
        userId: personal.userId,
        actor: ACTOR,
        reason: 'right to erasure',
        delayHours: 0,
      });
      const run = await executeDueShreds(store);
      const execution = run.executions.find((e) => e.tenantId === personal.tenantId);
      const orgEvents = await store.audit.listEvents(organization.tenantId, { limit: 10 });

      expect(execution?.counts.user).toBe('deleted');
      expect(execution?.counts.userRecordsInOtherTenants).toEqual([
        { tenantId: organization.tenantId, recordId: profileRecord.id },
      ]);
      expect(await count(db, 'SELECT count(*) FROM users WHERE id = $1', [personal.userId])).toBe(0);
      expect(await count(db, 'SELECT count(*) FROM tenants WHERE id = $1', [organization.tenantId])).toBe(1);
      expect(orgEvents.map((e) => e.action)).toContain('phi.delete');
    });

    it('anonymizes a user still referenced elsewhere', async () => {
      const db = getDb();
      const store = testStore(db);
      const personal = await insertTenant(db, 'personal');
      // Stands for rows of other services that reference users without ON DELETE CASCADE.
      await db.query('CREATE TABLE IF NOT EXISTS test_user_references (user_id uuid REFERENCES users (id))');
      await db.query('INSERT INTO test_user_references (user_id) VALUES ($1)', [personal.userId]);
      await requestTenantShred(store, {
        tenantId: personal.tenantId,
        scope: 'account',
        userId: personal.userId,
        actor: ACTOR,
        reason: 'right to erasure',
        delayHours: 0,
      });
      const run = await executeDueShreds(store);
      const execution = run.executions.find((e) => e.tenantId === personal.tenantId);
      const { rows } = await db.query<{ email: string; display_name: string }>(
        'SELECT email, display_name FROM users WHERE id = $1',
        [personal.userId],
      );

      expect(execution?.counts.user).toBe('anonymized');
      expect(rows[0]?.email).toBe(`erased-${personal.userId}@erased.invalid`);
      expect(rows[0]?.display_name).toBe('Erased user');
      expect(await count(db, 'SELECT count(*) FROM memberships WHERE user_id = $1', [personal.userId])).toBe(
        0,
      );
    });
  });
});
