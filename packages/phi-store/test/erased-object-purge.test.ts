import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from '@skillancer/database';
import { FilesystemObjectStore, ObjectStorageError, type ObjectStore } from '@skillancer/object-storage';
import { forEachEngine } from '@skillancer/testing/database';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  defineErasedObjectPurge,
  ErasedObjectPurgeMetrics,
  type ErasedObjectPurgeSpec,
  isPhiStoreError,
  type PurgeLogger,
  type PurgeMarkerColumn,
  purgeErasedObjects,
} from '../src/index.js';
import { ACTOR, insertTenant } from './support.js';

const SPEC: ErasedObjectPurgeSpec = {
  name: 'recording',
  objectsNoun: 'chunks',
  lockName: 'phi-store-test:erased-object-purge',
  markerColumn: 'recordings_purged_at',
  prefixOf: (tenantId) => `tenant/${tenantId}/recording/`,
  metricPrefix: 'test_erasure_recording_purge',
  objectsDeletedHelp: 'Recording chunk objects of erased tenants deleted in this test',
};
const PURGE = defineErasedObjectPurge(SPEC);

type LogLine = { level: 'debug' | 'info' | 'error'; fields: Record<string, unknown>; message: string };

/** Creates a logger that keeps every line for the test to read. */
function capturedLog(): { log: PurgeLogger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const log: PurgeLogger = {
    debug: (message) => lines.push({ level: 'debug', fields: {}, message }),
    info: (fields, message) => lines.push({ level: 'info', fields: { ...fields }, message }),
    error: (fields, message) => lines.push({ level: 'error', fields: { ...fields }, message }),
  };
  return { log, lines };
}

/** Wraps `store` so that listing under the prefix of any tenant in `failing` throws. */
function failingListings(store: ObjectStore, failing: ReadonlySet<string>): ObjectStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'list') {
        return (...args: Parameters<ObjectStore['list']>) => {
          const tenantId = args[0].split('/')[1] ?? '';
          if (failing.has(tenantId)) {
            throw new ObjectStorageError('unavailable', 'Listing failed in this test.');
          }
          return target.list(...args);
        };
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** Stores an erasure as executed without running it. The tenant row, if any, stays. */
async function insertExecutedErasure(db: Database, tenantId: string): Promise<string> {
  const id = randomUUID();
  await db.query(
    `INSERT INTO phi_shred_requests
       (id, tenant_id, scope, requested_by, reason, requested_at, due_at, started_at, executed_at)
     VALUES ($1, $2, 'tenant', $3, 'purge test', now(), now(), now(), now())`,
    [id, tenantId, ACTOR.id],
  );
  return id;
}

async function markers(
  db: Database,
  erasureId: string,
): Promise<{ recordings_purged_at: Date | null; invoices_purged_at: Date | null } | undefined> {
  const { rows } = await db.query<{ recordings_purged_at: Date | null; invoices_purged_at: Date | null }>(
    'SELECT recordings_purged_at, invoices_purged_at FROM phi_shred_requests WHERE id = $1',
    [erasureId],
  );
  return rows[0];
}

async function storedKeys(store: ObjectStore, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const object of store.list(prefix)) keys.push(object.key);
  return keys;
}

async function metricValue(registry: Registry, name: string, labels: Record<string, string> = {}) {
  const metric = await registry.getSingleMetric(name)?.get();
  const sample = metric?.values.find((value) =>
    Object.entries(labels).every(([label, expected]) => value.labels[label] === expected),
  );
  return sample?.value;
}

describe('erased object purge definition', () => {
  it('rejects a marker column outside the allow-list', () => {
    for (const column of ['objects_purged_at', 'executed_at', 'recordings_purged_at = now(), executed_at']) {
      let caught: unknown;
      try {
        defineErasedObjectPurge({ ...SPEC, markerColumn: column as PurgeMarkerColumn });
      } catch (error) {
        caught = error;
      }

      expect(isPhiStoreError(caught, 'invalid_argument')).toBe(true);
      expect((caught as Error).message).toContain(JSON.stringify(column));
      expect((caught as Error).message).toContain('invoices_purged_at, recordings_purged_at');
    }
  });

  it('rejects empty names', () => {
    for (const field of ['name', 'objectsNoun', 'lockName', 'metricPrefix'] as const) {
      expect(() => defineErasedObjectPurge({ ...SPEC, [field]: ' ' })).toThrow(
        `Erased object purge ${field} is empty`,
      );
    }
  });

  it('names the purge and its objects in messages', () => {
    expect(PURGE.messages).toEqual({
      skipped: 'erasure recording purge skipped because another replica holds the purge lock',
      listingFailed: 'erasure recording purge could not list or delete the chunks; the next run retries it',
      objectsLeft: 'erasure recording purge left chunks in the bucket; the next run retries it',
      purged: 'erasure recording chunks deleted',
      runFailed: 'erasure recording purge run failed; it runs again at the next interval',
    });
  });

  it('builds its SQL from the marker column', () => {
    const invoices = defineErasedObjectPurge({ ...SPEC, markerColumn: 'invoices_purged_at' });

    expect(invoices.selectPendingSql).toContain('r.invoices_purged_at IS NULL');
    expect(invoices.selectPendingSql).not.toContain('recordings_purged_at');
    expect(invoices.markPurgedSql).toBe(
      'UPDATE phi_shred_requests SET invoices_purged_at = now() WHERE id = $1',
    );
  });
});

describe('erased object purge metrics', () => {
  it('names counters by prefix and reuses them', async () => {
    const registry = new Registry();

    const first = new ErasedObjectPurgeMetrics(registry, PURGE);
    const second = new ErasedObjectPurgeMetrics(registry, PURGE);
    const text = await registry.metrics();

    expect(second.runs).toBe(first.runs);
    expect(second.erasures).toBe(first.erasures);
    expect(second.objectsDeleted).toBe(first.objectsDeleted);
    expect(text).toContain(
      '# HELP test_erasure_recording_purge_runs_total Runs of the erasure recording purge by outcome: completed, skipped (another replica held the lock) or error',
    );
    expect(text).toContain(
      '# HELP test_erasure_recording_purge_erasures_total Executed erasures of deleted tenants handled by the recording purge: purged, or failed and left for the next run',
    );
    expect(text).toContain(
      '# HELP test_erasure_recording_purge_objects_deleted_total Recording chunk objects of erased tenants deleted in this test',
    );
  });
});

forEachEngine('erased object purge', (getDb) => {
  let rootDir: string;
  let store: FilesystemObjectStore;

  beforeAll(async () => {
    rootDir = await mkdtemp(join(tmpdir(), 'phi-store-purge-'));
    store = new FilesystemObjectStore({ rootDir, bucket: 'recordings' });
  });
  afterAll(async () => {
    await store?.close();
    if (rootDir !== undefined) await rm(rootDir, { recursive: true, force: true });
  });

  it('deletes only the prefix of a deleted tenant', async () => {
    const db = getDb();
    const erased = randomUUID();
    const live = await insertTenant(db);
    await store.put(`tenant/${erased}/recording/a/1`, Buffer.from('chunk'));
    await store.put(`tenant/${erased}/recording/a/2`, Buffer.from('chunk'));
    await store.put(`tenant/${erased}/invoice/document.pdf`, Buffer.from('pdf'));
    await store.put(`tenant/${live.tenantId}/recording/b/1`, Buffer.from('chunk'));
    const erasedRequest = await insertExecutedErasure(db, erased);
    const liveRequest = await insertExecutedErasure(db, live.tenantId);
    const registry = new Registry();
    const metrics = new ErasedObjectPurgeMetrics(registry, PURGE);
    const { log, lines } = capturedLog();

    const report = await purgeErasedObjects(PURGE, { db, store, log, metrics });
    const liveMarkers = await markers(db, liveRequest);
    await db.query('DELETE FROM tenants WHERE id = $1', [live.tenantId]);
    const afterTenantDeleted = await purgeErasedObjects(PURGE, { db, store, log, metrics });

    expect(report).toEqual({ ran: true, purged: 1, failed: 0, objectsDeleted: 2 });
    expect(await storedKeys(store, `tenant/${erased}/`)).toEqual([`tenant/${erased}/invoice/document.pdf`]);
    expect(await markers(db, erasedRequest)).toEqual({
      recordings_purged_at: expect.any(Date),
      invoices_purged_at: null,
    });
    expect(liveMarkers?.recordings_purged_at).toBeNull();
    expect(afterTenantDeleted).toEqual({ ran: true, purged: 1, failed: 0, objectsDeleted: 1 });
    expect(await storedKeys(store, `tenant/${live.tenantId}/`)).toEqual([]);
    expect(lines.find((line) => line.fields.tenantId === erased)).toEqual({
      level: 'info',
      fields: { shredRequestId: erasedRequest, tenantId: erased, scope: 'tenant', objectsDeleted: 2 },
      message: 'erasure recording chunks deleted',
    });
    expect(
      await metricValue(registry, 'test_erasure_recording_purge_runs_total', { outcome: 'completed' }),
    ).toBe(2);
    expect(
      await metricValue(registry, 'test_erasure_recording_purge_erasures_total', { outcome: 'purged' }),
    ).toBe(2);
    expect(await metricValue(registry, 'test_erasure_recording_purge_objects_deleted_total')).toBe(3);
  });

  it('pages past erasures that keep failing', async () => {
    const db = getDb();
    const tenantIds = Array.from({ length: 25 }, () => randomUUID());
    const requests: Array<{ id: string; tenantId: string }> = [];
    for (const tenantId of tenantIds) {
      await store.put(`tenant/${tenantId}/recording/a/1`, Buffer.from('chunk'));
      requests.push({ id: await insertExecutedErasure(db, tenantId), tenantId });
    }
    // The purge reads erasures by id, so the first full page of 20 is the one that fails.
    requests.sort((left, right) => (left.id < right.id ? -1 : 1));
    const failing = new Set(requests.slice(0, 20).map((request) => request.tenantId));
    const { log, lines } = capturedLog();

    const failed = await purgeErasedObjects(PURGE, { db, store: failingListings(store, failing), log });
    const passing = requests.slice(20);
    const passingMarkers = await Promise.all(passing.map((request) => markers(db, request.id)));
    const retried = await purgeErasedObjects(PURGE, { db, store, log });

    expect(failed).toEqual({ ran: true, purged: 5, failed: 20, objectsDeleted: 5 });
    for (const marker of passingMarkers) {
      expect(marker?.recordings_purged_at).toBeInstanceOf(Date);
    }
    expect(lines.filter((line) => line.message === PURGE.messages.listingFailed)).toHaveLength(20);
    expect(lines.find((line) => line.message === PURGE.messages.listingFailed)).toMatchObject({
      level: 'error',
      fields: { err: expect.any(ObjectStorageError) },
    });
    expect(retried).toEqual({ ran: true, purged: 20, failed: 0, objectsDeleted: 20 });
  });

  it('marks a non-UUID tenant id without listing', async () => {
    const db = getDb();
    const request = await insertExecutedErasure(db, `legacy-${randomUUID()}`);
    const everyListingFails = new Proxy(store, {
      get(target, property) {
        if (property === 'list') {
          throw new Error('the purge listed objects for a non-UUID tenant id');
        }
        const value: unknown = Reflect.get(target, property);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });

    const report = await purgeErasedObjects(PURGE, { db, store: everyListingFails, log: capturedLog().log });

    expect(report).toEqual({ ran: true, purged: 1, failed: 0, objectsDeleted: 0 });
    expect((await markers(db, request))?.recordings_purged_at).toBeInstanceOf(Date);
  });

  it('skips a run while another holds the lock', async () => {
    const db = getDb();
    const tenantId = randomUUID();
    await store.put(`tenant/${tenantId}/recording/a/1`, Buffer.from('chunk'));
    await insertExecutedErasure(db, tenantId);
    const registry = new Registry();
    const metrics = new ErasedObjectPurgeMetrics(registry, PURGE);
    const { log, lines } = capturedLog();

    const underLock = await db.tryWithAdvisoryLock(PURGE.lockName, () =>
      purgeErasedObjects(PURGE, { db, store, log, metrics }),
    );
    const after = await purgeErasedObjects(PURGE, { db, store, log, metrics });

    expect(underLock).toEqual({
      acquired: true,
      value: { ran: false, purged: 0, failed: 0, objectsDeleted: 0 },
    });
    expect(lines[0]).toEqual({ level: 'debug', fields: {}, message: PURGE.messages.skipped });
    expect(after).toEqual({ ran: true, purged: 1, failed: 0, objectsDeleted: 1 });
    expect(
      await metricValue(registry, 'test_erasure_recording_purge_runs_total', { outcome: 'skipped' }),
    ).toBe(1);
  });
});
