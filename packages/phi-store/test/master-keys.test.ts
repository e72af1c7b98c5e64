import { randomBytes, randomUUID } from 'node:crypto';
import { forEachEngine } from '@skillancer/testing/database';
import { describe, expect, it } from 'vitest';
import {
  isPhiStoreError,
  readKeyStatus,
  rotateMasterKey,
  SYSTEM_AUDIT_TENANT,
  unwrapSigningKeySeed,
  verifyMasterKeys,
  wrapSigningKeySeed,
} from '../src/index.js';
import { ACTOR, keyring, testStore } from './support.js';

const FIRST = 'a1'.repeat(32);
const SECOND = 'b2'.repeat(32);
const STRANGER = 'c3'.repeat(32);

forEachEngine('master keys', (getDb) => {
  // The cases run in order on one database: first start, restart, wrong key, rotation.
  describe('key check value', () => {
    it('stores the check value on first start', async () => {
      const result = await verifyMasterKeys(getDb(), keyring(FIRST));

      expect(result.outcome).toBe('first_start');
      expect(result.storedMasterKeyIds).toEqual([keyring(FIRST).current.id]);
    });

    it('verifies the same key on restart', async () => {
      expect((await verifyMasterKeys(getDb(), keyring(FIRST))).outcome).toBe('verified');
    });

    it('rejects a wrong key naming the variables', async () => {
      const error = await verifyMasterKeys(getDb(), keyring(STRANGER)).catch((e: unknown) => e);

      expect(isPhiStoreError(error, 'master_key_mismatch')).toBe(true);
      expect((error as Error).message).toContain('ENCRYPTION_MASTER_KEY');
      expect((error as Error).message).toContain('ENCRYPTION_MASTER_KEY_PREVIOUS');
      expect((error as Error).message).not.toContain(STRANGER);
    });

    it('adds a new current key while the old one is previous', async () => {
      const result = await verifyMasterKeys(getDb(), keyring(SECOND, [FIRST]));

      expect(result.outcome).toBe('new_current_key');
      expect(result.storedMasterKeyIds.sort()).toEqual(
        [keyring(FIRST).current.id, keyring(SECOND).current.id].sort(),
      );
    });

    it('ignores an unknown previous key', async () => {
      expect((await verifyMasterKeys(getDb(), keyring(SECOND, [STRANGER]))).outcome).toBe('verified');
    });
  });

  describe('rotation', () => {
    it('rewraps tenant, signing and audit MAC keys so the old key can go', async () => {
      const db = getDb();
      const oldStore = testStore(db, { masterKeys: keyring(FIRST) });
      const tenantId = randomUUID();
      const context = { tenantId, recordType: 'note', recordId: randomUUID(), field: 'ssn' };
      const ciphertext = await oldStore.encryptor.encrypt(context, '123-45-6789');
      await oldStore.audit.append({
        tenantId,
        actor: ACTOR,
        action: 'phi.encrypt',
        resource: { type: 'phi_record', id: context.recordId },
        purpose: 'treatment',
        outcome: 'success',
      });
      const kid = randomUUID();
      const seed = randomBytes(32);
      const wrapped = wrapSigningKeySeed(keyring(FIRST), kid, seed);
      await db.query(
        `INSERT INTO signing_keys (kid, algorithm, public_jwk, private_key_ciphertext, master_key_id)
         VALUES ($1, 'EdDSA', '{}'::jsonb, $2, $3)`,
        [kid, wrapped.wrappedKey, wrapped.masterKeyId],
      );

      const withoutOld = await verifyMasterKeys(db, keyring(SECOND)).catch((e: unknown) => e);
      expect(isPhiStoreError(withoutOld, 'master_key_mismatch')).toBe(true);
      expect((withoutOld as Error).message).toContain('not configured');
      expect((withoutOld as Error).message).toContain('1 audit MAC keys under');

      const rotating = testStore(db, { masterKeys: keyring(SECOND, [FIRST]) });
      const progress: number[] = [];
      const summary = await rotateMasterKey(rotating, {
        actor: ACTOR,
        pageSize: 1,
        onProgress: (p) => progress.push(p.rewrapped),
      });
      expect(summary.tenantKeys.failed).toBe(0);
      expect(summary.tenantKeys.remaining).toBe(0);
      expect(summary.signingKeys.rewrapped).toBeGreaterThanOrEqual(1);
      expect(summary.auditMacKeys).toEqual({ total: 1, rewrapped: 1, skipped: 0, failures: [] });
      expect(summary.complete).toBe(true);
      expect(progress.length).toBeGreaterThanOrEqual(2);

      const again = await rotateMasterKey(rotating, { actor: ACTOR });
      expect(again.tenantKeys.rewrapped).toBe(0);
      expect(again.signingKeys.rewrapped).toBe(0);
      expect(again.auditMacKeys.total).toBe(0);

      const newOnly = testStore(db, { masterKeys: keyring(SECOND) });
      expect((await verifyMasterKeys(db, keyring(SECOND))).outcome).toBe('verified');
      expect(await newOnly.encryptor.decrypt(context, ciphertext)).toBe('123-45-6789');
      const { rows } = await db.query<{ private_key_ciphertext: string; master_key_id: string }>(
        'SELECT private_key_ciphertext, master_key_id FROM signing_keys WHERE kid = $1',
        [kid],
      );
      const unwrapped = unwrapSigningKeySeed(keyring(SECOND), kid, {
        wrappedKey: rows[0]?.private_key_ciphertext ?? '',
        masterKeyId: rows[0]?.master_key_id ?? '',
      });
      expect(unwrapped.equals(seed)).toBe(true);

      const [systemEvent] = await newOnly.audit.listEvents(SYSTEM_AUDIT_TENANT, { limit: 1 });
      expect(systemEvent?.action).toBe('master_key.rewrap');
      expect(await newOnly.audit.verifyChain(tenantId)).toMatchObject({ ok: true });
      expect(await newOnly.audit.verifyChain(SYSTEM_AUDIT_TENANT)).toMatchObject({ ok: true });
      const [appended] = await newOnly.audit.append({
        tenantId,
        actor: ACTOR,
        action: 'phi.decrypt',
        resource: { type: 'phi_record', id: context.recordId },
        purpose: 'treatment',
        outcome: 'success',
      });
      expect(appended?.macKeyVersion).toBe(1);
      expect(await newOnly.audit.verifyChain(tenantId)).toMatchObject({ ok: true });
      const status = await readKeyStatus(newOnly);
      expect(status.masterKeys.keysToRewrap).toBe(0);
      expect(status.checkValues.map((c) => c.configured).sort()).toEqual([false, true]);
      expect(status.auditMacKeys).toMatchObject([
        { version: 1, masterKeyId: keyring(SECOND).current.id, configured: true },
      ]);
    });

    it('reports a signing key wrapped by an unknown key', () => {
      const wrapped = wrapSigningKeySeed(keyring(FIRST), 'kid-1', randomBytes(32));
      const error = (() => {
        try {
          return unwrapSigningKeySeed(keyring(SECOND), 'kid-1', wrapped);
        } catch (caught) {
          return caught;
        }
      })();

      expect(isPhiStoreError(error, 'signing_key_unreadable')).toBe(true);
      expect((error as Error).message).toContain('ENCRYPTION_MASTER_KEY_PREVIOUS');
    });
  });
});
