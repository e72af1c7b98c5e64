import { createCipheriv, pbkdf2Sync, randomBytes, randomUUID } from 'node:crypto';
import { isPhiCryptoError, readKeyVersion } from '@skillancer/phi-crypto';
import { forEachEngine } from '@skillancer/testing/database';
import { describe, expect, it } from 'vitest';
import {
  blindIndexField,
  listKeyedTenants,
  migrateLegacyRecords,
  type PhiStore,
  readKeyStatus,
  recordFieldContext,
  reencryptTenant,
  retireKeyVersions,
  rotateTenantKey,
  verifyAuditChains,
} from '../src/index.js';
import { ACTOR, insertTenant, MASTER_KEY_HEX, manualClock, testStore } from './support.js';

/** Writes a record whose `ssn` field is encrypted and blind-indexed the way auth-svc does it. */
async function insertPatient(store: PhiStore, tenantId: string, ssn: string) {
  const record = { id: randomUUID(), tenantId, recordType: 'patient' };
  const ciphertext = await store.encryptor.encrypt(recordFieldContext(record, 'ssn'), ssn);
  const blindIndex = await store.indexer.compute(
    { tenantId, field: blindIndexField('ssn'), type: 'ssn' },
    ssn,
  );
  await store.records.insert({ ...record, fields: { ssn: ciphertext }, createdBy: null }, [
    { field: 'ssn', phiType: 'ssn', blindIndex },
  ]);
  return { record, ciphertext };
}

/** Encrypts like the earlier service did, with Node's crypto directly rather than the library. */
function legacyCiphertext(tenantId: string, plaintext: string): string {
  const salt = randomBytes(32);
  const iv = randomBytes(16);
  const key = pbkdf2Sync(
    Buffer.from(MASTER_KEY_HEX, 'hex'),
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

forEachEngine('key maintenance', (getDb) => {
  describe('tenant key rotation', () => {
    it('re-encrypts, resumes and retires the old version', async () => {
      const db = getDb();
      const clock = manualClock();
      const store = testStore(db, { clock: clock.now });
      const { tenantId } = await insertTenant(db);
      const patients = [];
      for (const ssn of ['123-45-6701', '123-45-6702', '123-45-6703']) {
        patients.push(await insertPatient(store, tenantId, ssn));
      }
      const token = await store.tokenizer.tokenize(
        { tenantId, field: 'patient.ssn', type: 'ssn' },
        '123-45-6701',
      );

      const rotated = await rotateTenantKey(store, tenantId, { actor: ACTOR });
      expect(rotated.version).toBe(2);

      const stopper = new AbortController();
      let cursor: string | null = null;
      const interrupted = await reencryptTenant(store, tenantId, {
        actor: ACTOR,
        pageSize: 1,
        signal: stopper.signal,
        onProgress: (progress) => {
          cursor = progress.cursor;
          stopper.abort();
        },
      }).catch((e: unknown) => e);
      expect(interrupted).toBeInstanceOf(Error);
      const { rows: afterStop } = await db.query<{ fields: Record<string, string> }>(
        'SELECT fields FROM phi_records WHERE tenant_id = $1 ORDER BY id',
        [tenantId],
      );
      expect(afterStop.map((row) => readKeyVersion(row.fields.ssn ?? ''))).toEqual([2, 1, 1]);

      const resumed = await reencryptTenant(store, tenantId, {
        actor: ACTOR,
        afterRecordId: cursor ?? undefined,
      });
      expect(resumed.fieldsReencrypted).toBe(2);
      expect(resumed.tokensReencrypted).toBe(1);
      expect(resumed.failed).toBe(0);
      const again = await reencryptTenant(store, tenantId, { actor: ACTOR });
      expect(again.fieldsReencrypted).toBe(0);

      clock.advanceHours(1);
      await retireKeyVersions(store, tenantId, 2, { actor: ACTOR });
      const [first] = patients;
      if (first === undefined) {
        throw new Error('no patient was inserted');
      }
      const context = recordFieldContext(first.record, 'ssn');
      const current = await store.records.get(tenantId, first.record.id);
      expect(await store.encryptor.decrypt(context, current?.fields.ssn ?? '')).toBe('123-45-6701');
      expect(await store.tokenizer.detokenize(tenantId, token)).toBe('123456701');
      const stale = await store.encryptor.decrypt(context, first.ciphertext).catch((e: unknown) => e);
      expect(isPhiCryptoError(stale, 'key_version_retired')).toBe(true);

      const actions = (await store.audit.listEvents(tenantId, { limit: 20 })).map((e) => e.action);
      expect(actions).toEqual(expect.arrayContaining(['key.rotate', 'key.reencrypt', 'key.retire']));
    });

    it('refreshes blind indexes after an index key rotation', async () => {
      const db = getDb();
      const store = testStore(db);
      const { tenantId } = await insertTenant(db);
      const { record } = await insertPatient(store, tenantId, '123-45-6799');
      await rotateTenantKey(store, tenantId, { actor: ACTOR, purpose: 'index' });

      const summary = await reencryptTenant(store, tenantId, { actor: ACTOR });
      const [entry] = await store.records.listIndexes(record.id);
      const candidates = await store.indexer.lookupCandidates(
        { tenantId, field: blindIndexField('ssn'), type: 'ssn' },
        '123456799',
      );

      expect(summary.indexesRefreshed).toBe(1);
      expect(entry?.blindIndex.startsWith('bi2_')).toBe(true);
      expect(entry?.blindIndex).toBe(candidates[0]);
    });
  });

  describe('legacy migration', () => {
    it('rewrites legacy fields once', async () => {
      const db = getDb();
      const store = testStore(db);
      const { tenantId } = await insertTenant(db);
      const record = { id: randomUUID(), tenantId, recordType: 'patient' };
      await store.records.insert(
        { ...record, fields: { name: legacyCiphertext(tenantId, 'Ada Lovelace') }, createdBy: null },
        [],
      );

      const summary = await migrateLegacyRecords(store, tenantId, { actor: ACTOR });
      const stored = await store.records.get(tenantId, record.id);
      const second = await migrateLegacyRecords(store, tenantId, { actor: ACTOR });

      expect(summary.fieldsMigrated).toBe(1);
      expect(summary.failed).toBe(0);
      expect(
        await store.encryptor.decrypt(recordFieldContext(record, 'name'), stored?.fields.name ?? ''),
      ).toBe('Ada Lovelace');
      expect(second.fieldsMigrated).toBe(0);
    });

    it('reports a value of another tenant', async () => {
      const db = getDb();
      const store = testStore(db);
      const { tenantId } = await insertTenant(db);
      await store.records.insert(
        {
          id: randomUUID(),
          tenantId,
          recordType: 'patient',
          fields: { name: legacyCiphertext(randomUUID(), 'Grace Hopper') },
          createdBy: null,
        },
        [],
      );
      const summary = await migrateLegacyRecords(store, tenantId, { actor: ACTOR });

      expect(summary.failed).toBe(1);
      expect(summary.failures[0]?.code).toBe('legacy_tenant_mismatch');
      expect(summary.failures[0]?.message).not.toContain('Grace');
    });
  });

  describe('status and verification', () => {
    it('reports versions, usage and chains', async () => {
      const db = getDb();
      const store = testStore(db);
      const { tenantId } = await insertTenant(db);
      await insertPatient(store, tenantId, '123-45-6788');

      const status = await readKeyStatus(store, { limit: 1000 });
      const tenantRows = status.tenants.filter((t) => t.tenantId === tenantId);
      const data = tenantRows.find((t) => t.purpose === 'data');
      expect(data).toMatchObject({ newestVersion: 1, minDecryptionVersion: 1, activeVersions: 1 });
      expect(data?.usageCount).toBeGreaterThan(0);
      expect(await listKeyedTenants(store, { limit: 1000 })).toContain(tenantId);

      await store.audit.append({
        tenantId,
        actor: ACTOR,
        action: 'phi.decrypt',
        resource: { type: 'phi_record', id: 'r1' },
        purpose: 'treatment',
        outcome: 'success',
      });
      const progress: number[] = [];
      const clean = await verifyAuditChains(store.audit, {
        onProgress: (p) => progress.push(p.chainsVerified),
      });
      expect(clean.brokenChains).toBe(0);
      expect(clean.chainsVerified).toBeGreaterThanOrEqual(1);
      expect(progress.length).toBe(clean.chainsVerified);

      await db.query('ALTER TABLE phi_audit_events DISABLE TRIGGER phi_audit_events_append_only');
      try {
        await db.query("UPDATE phi_audit_events SET purpose = 'marketing' WHERE tenant_id = $1", [tenantId]);
      } finally {
        await db.query('ALTER TABLE phi_audit_events ENABLE TRIGGER phi_audit_events_append_only');
      }
      const tampered = await verifyAuditChains(store.audit, { tenantIds: [tenantId] });
      expect(tampered.broken.map((b) => [b.tenantId, b.broken.reason])).toEqual([
        [tenantId, 'hash_mismatch'],
      ]);
    });
  });
});
