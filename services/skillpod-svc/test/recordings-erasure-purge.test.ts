import { randomUUID } from 'node:crypto';
import type { Database } from '@skillancer/database';
import { executeDueShreds, type PhiStore, requestTenantShred } from '@skillancer/phi-store';
import { forEachEngine } from '@skillancer/testing/database';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildSkillpodApp } from '../src/app.js';
import { purgeErasedRecordings, RECORDING_PURGE_LOCK } from '../src/erasure/recording-purge.js';
import {
  RETENTION_DAYS,
  RecordingClient,
  type RecordingsHarness,
  type RecordingUser,
  randomChunks,
  SEGMENT_SIZE,
  startRecordingsHarness,
} from './recordings-support.js';
import { localProvider, TEST_SETTINGS } from './support.js';

const OPERATOR = { type: 'user', id: 'operator-1' };

/** Creates a logger whose JSON lines the test can read. */
function capturedLog() {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { log, lines };
}

/** Registers a tenant with a ready pod and stores one completed recording per entry of `chunkCounts`. */
async function tenantWithRecordings(
  harness: RecordingsHarness,
  chunkCounts: number[],
): Promise<{ user: RecordingUser; client: RecordingClient; recordingIds: string[] }> {
  const user = await harness.register();
  const client = new RecordingClient(harness.app, user);
  const podId = await harness.readyPod(user);
  const recordingIds: string[] = [];
  for (const count of chunkCounts) {
    recordingIds.push(await client.record(podId, randomChunks(...Array<number>(count).fill(3000))));
  }
  return { user, client, recordingIds };
}

async function storedKeys(harness: RecordingsHarness, tenantId: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const object of harness.store.list(`tenant/${tenantId}/`)) keys.push(object.key);
  return keys;
}

/** Requests a tenant erasure without a waiting period and runs auth-svc's shred job once. */
async function eraseTenant(phi: PhiStore, tenantId: string): Promise<number> {
  await requestTenantShred(phi, {
    tenantId,
    scope: 'tenant',
    actor: OPERATOR,
    reason: 'tenant erasure test',
    delayHours: 0,
  });
  return (await executeDueShreds(phi)).executed;
}

/** Erases the account of the owner of a personal tenant and runs the shred job once. */
async function eraseAccount(phi: PhiStore, user: RecordingUser): Promise<number> {
  await requestTenantShred(phi, {
    tenantId: user.tenantId,
    scope: 'account',
    userId: user.userId,
    actor: OPERATOR,
    reason: 'account erasure test',
    delayHours: 0,
  });
  return (await executeDueShreds(phi)).executed;
}

async function recordingsPurgedAt(db: Database, tenantId: string): Promise<Date | null | undefined> {
  const { rows } = await db.query<{ recordings_purged_at: Date | null }>(
    'SELECT recordings_purged_at FROM phi_shred_requests WHERE tenant_id = $1',
    [tenantId],
  );
  return rows[0]?.recordings_purged_at;
}

async function tenantExists(db: Database, tenantId: string): Promise<boolean> {
  const { rows } = await db.query('SELECT 1 FROM tenants WHERE id = $1', [tenantId]);
  return rows.length === 1;
}

async function recordingRows(db: Database, tenantId: string): Promise<number> {
  const { rows } = await db.query<{ count: string }>('SELECT count(*) FROM recordings WHERE tenant_id = $1', [
    tenantId,
  ]);
  return Number(rows[0]?.count);
}

/** Storage ids of the tenant's recordings, which appear in every object key of them. */
async function storageIds(db: Database, tenantId: string): Promise<string[]> {
  const { rows } = await db.query<{ storage_id: string }>(
    'SELECT storage_id FROM recordings WHERE tenant_id = $1',
    [tenantId],
  );
  return rows.map((row) => row.storage_id);
}

/** Stores an account erasure as executed without running it, so its tenant row stays. */
async function insertExecutedAccountErasure(db: Database, tenantId: string): Promise<void> {
  await db.query(
    `INSERT INTO phi_shred_requests
       (id, tenant_id, scope, user_id, requested_by, reason, requested_at, due_at, started_at, executed_at)
     VALUES ($1, $2, 'account', $3, $4, 'account erasure test', now(), now(), now(), now())`,
    [randomUUID(), tenantId, randomUUID(), OPERATOR.id],
  );
}

forEachEngine('erasure recording purge', (getDb) => {
  describe('on filesystem storage', () => {
    let harness: RecordingsHarness;

    beforeAll(async () => {
      harness = await startRecordingsHarness(getDb(), 'filesystem');
    });
    afterAll(async () => {
      await harness?.close();
    });

    it('deletes an erased tenant’s chunks only', async () => {
      const db = getDb();
      const erased = await tenantWithRecordings(harness, [2, 3]);
      const kept = await tenantWithRecordings(harness, [2]);
      const erasedStorageIds = await storageIds(db, erased.user.tenantId);
      const { log, lines } = capturedLog();

      const executed = await eraseTenant(harness.phi, erased.user.tenantId);
      const keysBeforePurge = await storedKeys(harness, erased.user.tenantId);
      const report = await purgeErasedRecordings({ db, store: harness.store, log });
      const again = await purgeErasedRecordings({ db, store: harness.store, log });
      const keptPlayback = await kept.client.stream(kept.recordingIds[0] ?? '');

      expect(executed).toBe(1);
      expect(await recordingRows(db, erased.user.tenantId)).toBe(0);
      expect(keysBeforePurge).toHaveLength(5);
      expect(report).toEqual({ ran: true, purged: 1, failed: 0, objectsDeleted: 5 });
      expect(await storedKeys(harness, erased.user.tenantId)).toEqual([]);
      expect(await storedKeys(harness, kept.user.tenantId)).toHaveLength(2);
      expect(keptPlayback.statusCode).toBe(200);
      expect(keptPlayback.rawPayload).toHaveLength(6000);
      expect(await recordingsPurgedAt(db, erased.user.tenantId)).toBeInstanceOf(Date);
      expect(again).toEqual({ ran: true, purged: 0, failed: 0, objectsDeleted: 0 });
      expect(lines.find((line) => line.msg === 'erasure recording chunks deleted')).toMatchObject({
        level: 30,
        shredRequestId: expect.any(String),
        tenantId: erased.user.tenantId,
        scope: 'tenant',
        objectsDeleted: 5,
      });
      for (const storageId of erasedStorageIds) {
        expect(JSON.stringify(lines)).not.toContain(storageId);
      }
    });

    it('deletes the chunks after an account erasure', async () => {
      const db = getDb();
      const tenant = await tenantWithRecordings(harness, [3]);
      const { log, lines } = capturedLog();

      const executed = await eraseAccount(harness.phi, tenant.user);
      const keysBeforePurge = await storedKeys(harness, tenant.user.tenantId);
      const report = await purgeErasedRecordings({ db, store: harness.store, log });

      expect(executed).toBe(1);
      expect(await tenantExists(db, tenant.user.tenantId)).toBe(false);
      expect(keysBeforePurge).toHaveLength(3);
      expect(report).toEqual({ ran: true, purged: 1, failed: 0, objectsDeleted: 3 });
      expect(await storedKeys(harness, tenant.user.tenantId)).toEqual([]);
      expect(await recordingsPurgedAt(db, tenant.user.tenantId)).toBeInstanceOf(Date);
      expect(lines.find((line) => line.msg === 'erasure recording chunks deleted')).toMatchObject({
        tenantId: tenant.user.tenantId,
        scope: 'account',
        objectsDeleted: 3,
      });
    });

    // The shred job deletes the tenant row in both scopes, so the executed erasure of a tenant that
    // still exists is written directly here. The upper-case form checks the match on the tenant id.
    for (const form of ['lower-case', 'upper-case'] as const) {
      it(`keeps chunks while the tenant exists (${form} id)`, async () => {
        const db = getDb();
        const tenant = await tenantWithRecordings(harness, [1]);
        const { tenantId } = tenant.user;
        const requestTenantId = form === 'upper-case' ? tenantId.toUpperCase() : tenantId;
        await insertExecutedAccountErasure(db, requestTenantId);
        const log = pino({ level: 'silent' });

        const whileTenantExists = await purgeErasedRecordings({ db, store: harness.store, log });
        const keysWhileTenantExists = await storedKeys(harness, tenantId);
        const markWhileTenantExists = await recordingsPurgedAt(db, requestTenantId);
        await db.query('DELETE FROM tenants WHERE id = $1', [tenantId]);
        const afterTenantDeleted = await purgeErasedRecordings({ db, store: harness.store, log });

        expect(whileTenantExists).toEqual({ ran: true, purged: 0, failed: 0, objectsDeleted: 0 });
        expect(keysWhileTenantExists).toHaveLength(1);
        expect(markWhileTenantExists).toBeNull();
        expect(afterTenantDeleted).toEqual({ ran: true, purged: 1, failed: 0, objectsDeleted: 1 });
        expect(await storedKeys(harness, tenantId)).toEqual([]);
        expect(await recordingsPurgedAt(db, requestTenantId)).toBeInstanceOf(Date);
      });
    }

    it('marks an erasure of a non-UUID tenant id purged', async () => {
      const db = getDb();
      const requestTenantId = `legacy-tenant-${randomUUID()}`;
      await insertExecutedAccountErasure(db, requestTenantId);
      const log = pino({ level: 'silent' });

      const report = await purgeErasedRecordings({ db, store: harness.store, log });

      expect(report).toEqual({ ran: true, purged: 1, failed: 0, objectsDeleted: 0 });
      expect(await recordingsPurgedAt(db, requestTenantId)).toBeInstanceOf(Date);
    });

    it('skips a run while another holds the lock', async () => {
      const db = getDb();
      const tenant = await tenantWithRecordings(harness, [1]);
      await eraseTenant(harness.phi, tenant.user.tenantId);
      const log = pino({ level: 'silent' });

      const underLock = await db.tryWithAdvisoryLock(RECORDING_PURGE_LOCK, async () => {
        const report = await purgeErasedRecordings({ db, store: harness.store, log });
        return { report, keys: await storedKeys(harness, tenant.user.tenantId) };
      });
      const whileLocked = underLock.acquired ? underLock.value : undefined;
      const after = await purgeErasedRecordings({ db, store: harness.store, log });

      expect(underLock.acquired).toBe(true);
      expect(whileLocked?.report).toEqual({ ran: false, purged: 0, failed: 0, objectsDeleted: 0 });
      expect(whileLocked?.keys).toHaveLength(1);
      expect(after).toEqual({ ran: true, purged: 1, failed: 0, objectsDeleted: 1 });
      expect(await storedKeys(harness, tenant.user.tenantId)).toEqual([]);
    });

    it('purges on a timer from app start', async () => {
      const db = getDb();
      const tenant = await tenantWithRecordings(harness, [2]);
      await eraseTenant(harness.phi, tenant.user.tenantId);
      const volumes = await localProvider();
      const timed = await buildSkillpodApp({
        db,
        // The test sends this app no authenticated request.
        verifyAccessToken: async () => {
          throw new Error('this test app accepts no access tokens');
        },
        volumes: volumes.provider,
        pods: TEST_SETTINGS,
        logLevel: 'silent',
        recordings: {
          store: harness.store,
          keys: harness.phi.keys,
          audit: harness.phi.audit,
          settings: {
            defaultRetentionDays: RETENTION_DAYS,
            sweepIntervalMs: 0,
            segmentSize: SEGMENT_SIZE,
            erasurePurgeIntervalMs: 60_000,
          },
        },
      });
      try {
        await timed.ready();
        await vi.waitFor(
          async () => expect(await recordingsPurgedAt(db, tenant.user.tenantId)).toBeInstanceOf(Date),
          { timeout: 10_000, interval: 50 },
        );
        const metrics = await timed.inject({ method: 'GET', url: '/metrics' });

        expect(await storedKeys(harness, tenant.user.tenantId)).toEqual([]);
        expect(metrics.body).toMatch(
          /skillpod_erasure_recording_purge_runs_total\{[^}]*outcome="completed"[^}]*\} 1/,
        );
        expect(metrics.body).toMatch(
          /skillpod_erasure_recording_purge_erasures_total\{[^}]*outcome="purged"[^}]*\} 1/,
        );
        expect(metrics.body).toMatch(/skillpod_erasure_recording_purge_objects_deleted_total\{[^}]*\} 2/);
      } finally {
        await timed.close();
        await volumes.cleanup();
      }
    });
  });

  describe('on s3 storage', () => {
    let harness: RecordingsHarness;

    beforeAll(async () => {
      harness = await startRecordingsHarness(getDb(), 's3');
    });
    afterAll(async () => {
      await harness?.close();
    });

    it('retries after a failed delete', async () => {
      const db = getDb();
      const tenant = await tenantWithRecordings(harness, [3]);
      const { tenantId } = tenant.user;
      await eraseTenant(harness.phi, tenantId);
      const peer = harness.peer;
      if (peer === undefined) throw new Error('the s3 harness has no peer');
      // Rejects every single delete of the tenant's chunks, so each DeleteObjects entry fails.
      peer.setAccessPolicy(
        ({ operation, key }) => !(operation === 'DeleteObject' && key?.startsWith(`tenant/${tenantId}/`)),
      );
      const { log, lines } = capturedLog();

      const failed = await purgeErasedRecordings({ db, store: harness.store, log }).finally(() =>
        peer.setAccessPolicy(undefined),
      );
      const keysAfterFailure = await storedKeys(harness, tenantId);
      const markedAfterFailure = await recordingsPurgedAt(db, tenantId);
      const retried = await purgeErasedRecordings({ db, store: harness.store, log });

      expect(failed).toEqual({ ran: true, purged: 0, failed: 1, objectsDeleted: 0 });
      expect(keysAfterFailure).toHaveLength(3);
      expect(markedAfterFailure).toBeNull();
      expect(retried).toEqual({ ran: true, purged: 1, failed: 0, objectsDeleted: 3 });
      expect(await storedKeys(harness, tenantId)).toEqual([]);
      expect(await recordingsPurgedAt(db, tenantId)).toBeInstanceOf(Date);
      expect(
        lines.find(
          (line) => line.msg === 'erasure recording purge left chunks in the bucket; the next run retries it',
        ),
      ).toMatchObject({ level: 50, tenantId, objectsFailed: 3, errorCodes: ['access_denied'] });
      expect(JSON.stringify(lines)).not.toContain(`tenant/${tenantId}/recording/`);
    });

    it('retries after a failed listing', async () => {
      const db = getDb();
      const tenant = await tenantWithRecordings(harness, [1]);
      const { tenantId } = tenant.user;
      await eraseTenant(harness.phi, tenantId);
      const peer = harness.peer;
      if (peer === undefined) throw new Error('the s3 harness has no peer');
      // Permanent until cleared, because the harness store retries a failed request.
      peer.injectFault({ operation: 'ListObjectsV2', status: 500, code: 'InternalError', times: Infinity });
      const { log, lines } = capturedLog();

      const failed = await purgeErasedRecordings({ db, store: harness.store, log }).finally(() =>
        peer.clearFaults(),
      );
      const markedAfterFailure = await recordingsPurgedAt(db, tenantId);
      const retried = await purgeErasedRecordings({ db, store: harness.store, log });

      expect(failed).toEqual({ ran: true, purged: 0, failed: 1, objectsDeleted: 0 });
      expect(markedAfterFailure).toBeNull();
      expect(retried).toEqual({ ran: true, purged: 1, failed: 0, objectsDeleted: 1 });
      expect(await storedKeys(harness, tenantId)).toEqual([]);
      expect(
        lines.find(
          (line) =>
            line.msg ===
            'erasure recording purge could not list or delete the chunks; the next run retries it',
        ),
      ).toMatchObject({ level: 50, tenantId });
    });
  });
});
