import { forEachEngine } from '@skillancer/testing/database';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  auditEvents,
  RecordingClient,
  type RecordingsHarness,
  randomChunks,
  type StoreKind,
  startRecordingsHarness,
} from './recordings-support.js';

const DAY_MS = 24 * 60 * 60 * 1000;

async function countObjects(harness: RecordingsHarness, tenantId: string): Promise<number> {
  let count = 0;
  for await (const _object of harness.store.list(`tenant/${tenantId}/`)) {
    count += 1;
  }
  return count;
}

async function rowCount(harness: RecordingsHarness, id: string): Promise<number> {
  const recordings = await harness.db.query('SELECT 1 FROM recordings WHERE id = $1', [id]);
  const chunks = await harness.db.query('SELECT 1 FROM recording_chunks WHERE recording_id = $1', [id]);
  return recordings.rowCount + chunks.rowCount;
}

/** Registers a tenant with a ready pod, so expired recordings of one test do not count in another. */
async function newTenant(harness: RecordingsHarness) {
  const user = await harness.register();
  const client = new RecordingClient(harness.app, user);
  const podId = await harness.readyPod(user);
  return { user, client, podId };
}

forEachEngine('recording retention', (getDb) => {
  for (const storeKind of ['filesystem', 's3'] as StoreKind[]) {
    describe(`on ${storeKind} storage`, () => {
      let harness: RecordingsHarness;

      beforeAll(async () => {
        harness = await startRecordingsHarness(getDb(), storeKind);
      });

      afterAll(async () => {
        await harness?.close();
      });

      // Sweeps run on one shared database, so earlier tests' recordings age along with the clock.
      // Assertions therefore look at the recordings of the test's own tenant.

      it('keeps recordings until the default retention ends', async () => {
        const { user, client, podId } = await newTenant(harness);
        const id = await client.record(podId, randomChunks(4000, 4000));
        const open = (await client.start(podId)).json().id as string;
        await client.putChunk(open, 3, randomChunks(100)[0] as Buffer);
        const view = (await client.get(id)).json();
        expect(Date.parse(view.expiresAt) - Date.parse(view.createdAt)).toBe(30 * DAY_MS);

        harness.advanceDays(29);
        await harness.sweeper().sweep();
        expect((await client.get(id)).statusCode).toBe(200);

        harness.advanceDays(2);
        const report = await harness.sweeper().sweep();

        expect(report.ran).toBe(true);
        expect(report.deleted).toBeGreaterThanOrEqual(2);
        expect((await client.get(id)).statusCode).toBe(404);
        expect((await client.get(open)).statusCode).toBe(404);
        expect(await rowCount(harness, id)).toBe(0);
        expect(await rowCount(harness, open)).toBe(0);
        expect(await countObjects(harness, user.tenantId)).toBe(0);
        const events = await auditEvents(harness.phi, user.tenantId, 'recording.delete');
        expect(events.map((event) => event.resource.id).sort()).toEqual([id, open].sort());
        expect(events[0]?.actor).toEqual({ type: 'system', id: 'recording-retention' });
        expect(events[0]?.purpose).toBe('retention');
      });

      it('applies a tenant retention policy', async () => {
        const short = await newTenant(harness);
        const long = await newTenant(harness);
        const policy = await harness.app.inject({
          method: 'PUT',
          url: '/recordings/retention-policy',
          headers: short.user.auth,
          payload: { retentionDays: 7 },
        });
        expect(policy.json()).toEqual({ retentionDays: 7, isDefault: false });
        const shortId = await short.client.record(short.podId, randomChunks(1000));
        const longId = await long.client.record(long.podId, randomChunks(1000));
        const view = (await short.client.get(shortId)).json();
        expect(Date.parse(view.expiresAt) - Date.parse(view.createdAt)).toBe(7 * DAY_MS);

        harness.advanceDays(8);
        await harness.sweeper().sweep();

        expect((await short.client.get(shortId)).statusCode).toBe(404);
        expect((await long.client.get(longId)).statusCode).toBe(200);
        const changes = await auditEvents(harness.phi, short.user.tenantId, 'recording.retention.update');
        expect(changes).toHaveLength(1);
      });

      it('resets a policy to the default', async () => {
        const { user } = await newTenant(harness);
        const put = (retentionDays: number | null) =>
          harness.app.inject({
            method: 'PUT',
            url: '/recordings/retention-policy',
            headers: user.auth,
            payload: { retentionDays },
          });

        await put(3);
        const reset = await put(null);
        const read = await harness.app.inject({
          method: 'GET',
          url: '/recordings/retention-policy',
          headers: user.auth,
        });

        expect(reset.json()).toEqual({ retentionDays: 30, isDefault: true });
        expect(read.json()).toEqual({ retentionDays: 30, isDefault: true });
        expect((await put(0)).statusCode).toBe(400);
        expect((await put(3651)).statusCode).toBe(400);
      });

      it('runs twice without deleting twice', async () => {
        const { user, client, podId } = await newTenant(harness);
        const id = await client.record(podId, randomChunks(1000));
        harness.advanceDays(31);

        await harness.sweeper().sweep();
        const second = await harness.sweeper().sweep();

        expect(second.deleted).toBe(0);
        expect(await rowCount(harness, id)).toBe(0);
        expect(await auditEvents(harness.phi, user.tenantId, 'recording.delete')).toHaveLength(1);
      });

      it('deletes once when sweepers run concurrently', async () => {
        const { user, client, podId } = await newTenant(harness);
        const ids = [
          await client.record(podId, randomChunks(1000)),
          await client.record(podId, randomChunks(1000)),
          await client.record(podId, randomChunks(1000)),
        ];
        harness.advanceDays(31);

        const reports = await Promise.all([
          harness.sweeper().sweep(),
          harness.sweeper().sweep(),
          harness.sweeper().sweep(),
        ]);

        expect(reports.filter((report) => report.ran).length).toBeGreaterThanOrEqual(1);
        for (const id of ids) {
          expect(await rowCount(harness, id)).toBe(0);
        }
        const events = await auditEvents(harness.phi, user.tenantId, 'recording.delete');
        expect(events.map((event) => event.resource.id).sort()).toEqual([...ids].sort());
        expect(await countObjects(harness, user.tenantId)).toBe(0);
      });

      it('finishes a deletion that stopped halfway', async () => {
        const { user, client, podId } = await newTenant(harness);
        const id = await client.record(podId, randomChunks(1000, 1000));
        // A DELETE whose process died after hiding the recording, before removing anything.
        await harness.repository.markDeleting(user.tenantId, id, harness.now());
        expect((await client.get(id)).statusCode).toBe(404);
        expect(await countObjects(harness, user.tenantId)).toBe(2);

        const report = await harness.sweeper({ staleDeletingMs: 0 }).sweep();

        expect(report.deleted).toBeGreaterThanOrEqual(1);
        expect(await rowCount(harness, id)).toBe(0);
        expect(await countObjects(harness, user.tenantId)).toBe(0);
        expect(await auditEvents(harness.phi, user.tenantId, 'recording.delete')).toHaveLength(1);
      });

      it('sweeps as soon as the timer starts', async () => {
        const { client, podId } = await newTenant(harness);
        const id = await client.record(podId, randomChunks(1000));
        harness.advanceDays(31);
        const sweeper = harness.sweeper({ intervalMs: 60 * 60 * 1000 });

        sweeper.start();
        await sweeper.stop();

        expect(await rowCount(harness, id)).toBe(0);
      });

      it('requires tenant:admin to change the policy', async () => {
        const member = await harness.registerMember();

        const response = await harness.app.inject({
          method: 'PUT',
          url: '/recordings/retention-policy',
          headers: member.auth,
          payload: { retentionDays: 1 },
        });

        expect(response.statusCode).toBe(403);
      });

      if (storeKind === 's3') {
        it('retries when the bucket refuses deletes', async () => {
          const { user, client, podId } = await newTenant(harness);
          const id = await client.record(podId, randomChunks(1000));
          harness.advanceDays(31);
          const fault = harness.peer?.injectFault({
            operation: 'DeleteObjects',
            times: Number.POSITIVE_INFINITY,
          });

          const failed = await harness.sweeper().sweep();

          expect(failed.failed).toBeGreaterThanOrEqual(1);
          expect((await client.get(id)).statusCode).toBe(404);
          expect(await rowCount(harness, id)).toBeGreaterThan(0);
          expect(await auditEvents(harness.phi, user.tenantId, 'recording.delete')).toHaveLength(0);

          fault?.remove();
          await harness.sweeper({ staleDeletingMs: 0 }).sweep();

          expect(await rowCount(harness, id)).toBe(0);
          expect(await countObjects(harness, user.tenantId)).toBe(0);
          expect(await auditEvents(harness.phi, user.tenantId, 'recording.delete')).toHaveLength(1);
        });
      }
    });
  }
});
