import { randomUUID } from 'node:crypto';
import type { Database } from '@skillancer/database';
import { createObjectStore, type ObjectStore } from '@skillancer/object-storage';
import { MasterKeyring } from '@skillancer/phi-crypto';
import { createPhiStore, executeDueShreds, type PhiStore, requestTenantShred } from '@skillancer/phi-store';
import { forEachEngine } from '@skillancer/testing/database';
import { type S3Peer, startS3Peer } from '@skillancer/testing/s3';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { INVOICE_PURGE_LOCK, purgeErasedInvoices } from '../src/erasure/invoice-purge.js';
import { buildTestCockpit, createTenant, draftBody, type TestCockpit, type TestTenant } from './support.js';

const OPERATOR = { type: 'user', id: 'operator-1' };
const INVOICES_BUCKET = 'skillancer-invoices';
/** Client name and address that `draftBody` puts on every invoice, and so into every PDF. */
const CLIENT_NAME = 'Zoë Müller';
const CLIENT_STREET = 'Hauptstraße 1';

/** Creates a logger whose JSON lines the test can read. */
function capturedLog() {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { log, lines };
}

function phiStore(db: Database): PhiStore {
  return createPhiStore({ db, masterKeys: MasterKeyring.fromHex({ current: '11'.repeat(32) }) });
}

/** Creates `count` invoices for the tenant and renders each one's PDF into the invoices bucket. */
async function renderInvoices(cockpit: TestCockpit, tenant: TestTenant, count: number): Promise<void> {
  for (let index = 0; index < count; index += 1) {
    const created = await cockpit.app.inject({
      method: 'POST',
      url: '/finance/invoices',
      headers: tenant.auth,
      payload: draftBody(),
    });
    expect(created.statusCode).toBe(201);
    const rendered = await cockpit.app.inject({
      method: 'POST',
      url: `/finance/invoices/${created.json().id}/pdf`,
      headers: tenant.auth,
    });
    expect(rendered.statusCode).toBe(200);
  }
}

async function storedKeys(store: ObjectStore, tenantId: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const object of store.list(`tenant/${tenantId}/`)) keys.push(object.key);
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

/** Makes a user the owner of the (personal) tenant, erases the account and runs the shred job once. */
async function eraseAccount(db: Database, phi: PhiStore, tenantId: string): Promise<number> {
  const userId = randomUUID();
  await db.query(
    "INSERT INTO users (id, email, password_hash, display_name) VALUES ($1, $2, 'hash', 'Owner')",
    [userId, `owner-${userId}@example.com`],
  );
  await db.query("INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, 'owner')", [
    tenantId,
    userId,
  ]);
  await requestTenantShred(phi, {
    tenantId,
    scope: 'account',
    userId,
    actor: OPERATOR,
    reason: 'account erasure test',
    delayHours: 0,
  });
  return (await executeDueShreds(phi)).executed;
}

async function invoicesPurgedAt(db: Database, tenantId: string): Promise<Date | null | undefined> {
  const { rows } = await db.query<{ invoices_purged_at: Date | null }>(
    'SELECT invoices_purged_at FROM phi_shred_requests WHERE tenant_id = $1',
    [tenantId],
  );
  return rows[0]?.invoices_purged_at;
}

async function tenantExists(db: Database, tenantId: string): Promise<boolean> {
  const { rows } = await db.query('SELECT 1 FROM tenants WHERE id = $1', [tenantId]);
  return rows.length === 1;
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

async function invoiceRows(db: Database, tenantId: string): Promise<number> {
  const { rows } = await db.query<{ count: string }>('SELECT count(*) FROM invoices WHERE tenant_id = $1', [
    tenantId,
  ]);
  return Number(rows[0]?.count);
}

forEachEngine('erasure invoice purge', (getDb) => {
  let phi: PhiStore;

  beforeAll(() => {
    phi = phiStore(getDb());
  });
  afterAll(() => {
    phi?.close();
  });

  describe('on the filesystem driver', () => {
    let cockpit: TestCockpit;

    beforeAll(async () => {
      cockpit = await buildTestCockpit(getDb());
    });
    afterAll(async () => {
      await cockpit?.close();
    });

    it('deletes an erased tenant’s PDFs only', async () => {
      const db = getDb();
      const erased = await createTenant(db);
      const kept = await createTenant(db);
      await renderInvoices(cockpit, erased, 2);
      await renderInvoices(cockpit, kept, 1);
      const { log, lines } = capturedLog();

      const executed = await eraseTenant(phi, erased.tenantId);
      const keysBeforePurge = await storedKeys(cockpit.store, erased.tenantId);
      const report = await purgeErasedInvoices({ db, store: cockpit.store, log });
      const again = await purgeErasedInvoices({ db, store: cockpit.store, log });
      const keptList = await cockpit.app.inject({
        method: 'GET',
        url: '/finance/invoices',
        headers: kept.auth,
      });
      const keptLink = await cockpit.app.inject({
        method: 'GET',
        url: `/finance/invoices/${keptList.json().items[0]?.id}/pdf`,
        headers: kept.auth,
      });

      expect(executed).toBe(1);
      expect(keysBeforePurge).toHaveLength(2);
      expect(report).toEqual({ ran: true, purged: 1, failed: 0, objectsDeleted: 2 });
      expect(await storedKeys(cockpit.store, erased.tenantId)).toEqual([]);
      expect(await storedKeys(cockpit.store, kept.tenantId)).toHaveLength(1);
      expect(keptLink.statusCode).toBe(200);
      expect(await invoiceRows(db, erased.tenantId)).toBe(0);
      expect(await invoiceRows(db, kept.tenantId)).toBe(1);
      expect(await invoicesPurgedAt(db, erased.tenantId)).toBeInstanceOf(Date);
      expect(again).toEqual({ ran: true, purged: 0, failed: 0, objectsDeleted: 0 });
      expect(lines.find((line) => line.msg === 'erasure invoice PDFs deleted')).toMatchObject({
        tenantId: erased.tenantId,
        objectsDeleted: 2,
      });
    });

    it('deletes the PDFs after an account erasure', async () => {
      const db = getDb();
      const tenant = await createTenant(db);
      await renderInvoices(cockpit, tenant, 2);
      const { log, lines } = capturedLog();

      const executed = await eraseAccount(db, phi, tenant.tenantId);
      const keysBeforePurge = await storedKeys(cockpit.store, tenant.tenantId);
      const report = await purgeErasedInvoices({ db, store: cockpit.store, log });

      expect(executed).toBe(1);
      expect(await tenantExists(db, tenant.tenantId)).toBe(false);
      expect(await invoiceRows(db, tenant.tenantId)).toBe(0);
      expect(keysBeforePurge).toHaveLength(2);
      expect(report).toEqual({ ran: true, purged: 1, failed: 0, objectsDeleted: 2 });
      expect(await storedKeys(cockpit.store, tenant.tenantId)).toEqual([]);
      expect(await invoicesPurgedAt(db, tenant.tenantId)).toBeInstanceOf(Date);
      expect(lines.find((line) => line.msg === 'erasure invoice PDFs deleted')).toMatchObject({
        tenantId: tenant.tenantId,
        scope: 'account',
        objectsDeleted: 2,
      });
    });

    // The shred job deletes the tenant row in both scopes, so the executed erasure of a tenant that
    // still exists is written directly here. The upper-case form checks the match on the tenant id.
    for (const form of ['lower-case', 'upper-case'] as const) {
      it(`keeps PDFs while the tenant exists (${form} id)`, async () => {
        const db = getDb();
        const tenant = await createTenant(db);
        await renderInvoices(cockpit, tenant, 1);
        const requestTenantId = form === 'upper-case' ? tenant.tenantId.toUpperCase() : tenant.tenantId;
        await insertExecutedAccountErasure(db, requestTenantId);
        const log = pino({ level: 'silent' });

        const whileTenantExists = await purgeErasedInvoices({ db, store: cockpit.store, log });
        const keysWhileTenantExists = await storedKeys(cockpit.store, tenant.tenantId);
        const markWhileTenantExists = await invoicesPurgedAt(db, requestTenantId);
        await db.query('DELETE FROM tenants WHERE id = $1', [tenant.tenantId]);
        const afterTenantDeleted = await purgeErasedInvoices({ db, store: cockpit.store, log });

        expect(whileTenantExists).toEqual({ ran: true, purged: 0, failed: 0, objectsDeleted: 0 });
        expect(keysWhileTenantExists).toHaveLength(1);
        expect(markWhileTenantExists).toBeNull();
        expect(afterTenantDeleted).toEqual({ ran: true, purged: 1, failed: 0, objectsDeleted: 1 });
        expect(await storedKeys(cockpit.store, tenant.tenantId)).toEqual([]);
        expect(await invoicesPurgedAt(db, requestTenantId)).toBeInstanceOf(Date);
      });
    }

    it('skips a run while another holds the lock', async () => {
      const db = getDb();
      const tenant = await createTenant(db);
      await renderInvoices(cockpit, tenant, 1);
      await eraseTenant(phi, tenant.tenantId);
      const log = pino({ level: 'silent' });

      const underLock = await db.tryWithAdvisoryLock(INVOICE_PURGE_LOCK, async () => {
        const report = await purgeErasedInvoices({ db, store: cockpit.store, log });
        return { report, keys: await storedKeys(cockpit.store, tenant.tenantId) };
      });
      const whileLocked = underLock.acquired ? underLock.value : undefined;
      const after = await purgeErasedInvoices({ db, store: cockpit.store, log });

      expect(underLock.acquired).toBe(true);
      expect(whileLocked?.report).toEqual({ ran: false, purged: 0, failed: 0, objectsDeleted: 0 });
      expect(whileLocked?.keys).toHaveLength(1);
      expect(after.purged).toBe(1);
      expect(await storedKeys(cockpit.store, tenant.tenantId)).toEqual([]);
    });

    it('purges on a timer from app start', async () => {
      const db = getDb();
      const tenant = await createTenant(db);
      await renderInvoices(cockpit, tenant, 1);
      await eraseTenant(phi, tenant.tenantId);
      const timed = await buildTestCockpit(db, {
        invoiceStore: cockpit.store,
        erasurePurgeIntervalMs: 60_000,
      });
      try {
        await vi.waitFor(
          async () => expect(await invoicesPurgedAt(db, tenant.tenantId)).toBeInstanceOf(Date),
          {
            timeout: 10_000,
            interval: 50,
          },
        );
        const metrics = await timed.app.inject({ method: 'GET', url: '/metrics' });

        expect(await storedKeys(cockpit.store, tenant.tenantId)).toEqual([]);
        expect(metrics.body).toMatch(
          /cockpit_erasure_invoice_purge_runs_total\{[^}]*outcome="completed"[^}]*\} 1/,
        );
        expect(metrics.body).toMatch(
          /cockpit_erasure_invoice_purge_erasures_total\{[^}]*outcome="purged"[^}]*\} 1/,
        );
        expect(metrics.body).toMatch(/cockpit_erasure_invoice_purge_objects_deleted_total\{[^}]*\} 1/);
      } finally {
        await timed.app.close();
      }
    });
  });

  describe('on the S3 driver', () => {
    let peer: S3Peer;
    let cockpit: TestCockpit;

    beforeAll(async () => {
      peer = await startS3Peer({ profile: 'r2', buckets: [INVOICES_BUCKET] });
      const client = peer.clientConfig();
      // One attempt per request, so that an injected fault fails the call without the SDK's retries.
      const store = createObjectStore({
        driver: 's3',
        bucket: INVOICES_BUCKET,
        endpoint: client.endpoint,
        region: client.region,
        accessKeyId: client.credentials.accessKeyId,
        secretAccessKey: client.credentials.secretAccessKey,
        forcePathStyle: true,
        maxAttempts: 1,
      });
      cockpit = await buildTestCockpit(getDb(), { invoiceStore: store });
    });
    afterAll(async () => {
      await cockpit?.close();
      await peer?.close();
    });

    it('retries after a failed delete', async () => {
      const db = getDb();
      const tenant = await createTenant(db);
      await renderInvoices(cockpit, tenant, 2);
      await eraseTenant(phi, tenant.tenantId);
      const fault = peer.injectFault({ operation: 'DeleteObjects', status: 500, code: 'InternalError' });
      const { log, lines } = capturedLog();

      const failed = await purgeErasedInvoices({ db, store: cockpit.store, log });
      const keysAfterFailure = await storedKeys(cockpit.store, tenant.tenantId);
      const markedAfterFailure = await invoicesPurgedAt(db, tenant.tenantId);
      const retried = await purgeErasedInvoices({ db, store: cockpit.store, log });

      expect(fault.hits).toBe(1);
      expect(failed).toEqual({ ran: true, purged: 0, failed: 1, objectsDeleted: 0 });
      expect(keysAfterFailure).toHaveLength(2);
      expect(markedAfterFailure).toBeNull();
      expect(retried).toEqual({ ran: true, purged: 1, failed: 0, objectsDeleted: 2 });
      expect(await storedKeys(cockpit.store, tenant.tenantId)).toEqual([]);
      expect(await invoicesPurgedAt(db, tenant.tenantId)).toBeInstanceOf(Date);
      expect(
        lines.find(
          (line) => line.msg === 'erasure invoice purge left PDFs in the bucket; the next run retries it',
        ),
      ).toMatchObject({ level: 50, tenantId: tenant.tenantId, objectsFailed: 2 });
      expect(JSON.stringify(lines)).not.toContain(CLIENT_NAME);
      expect(JSON.stringify(lines)).not.toContain(CLIENT_STREET);
    });

    it('retries after a failed listing', async () => {
      const db = getDb();
      const tenant = await createTenant(db);
      await renderInvoices(cockpit, tenant, 1);
      await eraseTenant(phi, tenant.tenantId);
      const fault = peer.injectFault({ operation: 'ListObjectsV2', status: 500, code: 'InternalError' });
      const { log, lines } = capturedLog();

      const failed = await purgeErasedInvoices({ db, store: cockpit.store, log });
      const markedAfterFailure = await invoicesPurgedAt(db, tenant.tenantId);
      const retried = await purgeErasedInvoices({ db, store: cockpit.store, log });

      expect(fault.hits).toBe(1);
      expect(failed).toEqual({ ran: true, purged: 0, failed: 1, objectsDeleted: 0 });
      expect(markedAfterFailure).toBeNull();
      expect(retried).toEqual({ ran: true, purged: 1, failed: 0, objectsDeleted: 1 });
      expect(await storedKeys(cockpit.store, tenant.tenantId)).toEqual([]);
      expect(
        lines.find(
          (line) =>
            line.msg === 'erasure invoice purge could not list or delete the PDFs; the next run retries it',
        ),
      ).toMatchObject({ level: 50, tenantId: tenant.tenantId });
    });
  });
});
