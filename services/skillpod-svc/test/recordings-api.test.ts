import { forEachEngine } from '@skillancer/testing/database';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  auditEvents,
  RecordingClient,
  type RecordingsHarness,
  type RecordingUser,
  randomChunks,
  startRecordingsHarness,
} from './recordings-support.js';

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

async function objectKeys(harness: RecordingsHarness, tenantId: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const object of harness.store.list(`tenant/${tenantId}/`)) {
    keys.push(object.key);
  }
  return keys;
}

forEachEngine('session recordings', (getDb) => {
  for (const storeKind of ['filesystem', 's3'] as const) {
    describe(`on ${storeKind} storage`, () => {
      let harness: RecordingsHarness;
      let owner: RecordingUser;
      let client: RecordingClient;
      let podId: string;

      beforeAll(async () => {
        harness = await startRecordingsHarness(getDb(), storeKind);
        owner = await harness.register();
        client = new RecordingClient(harness.app, owner);
        podId = await harness.readyPod(owner);
      });

      afterAll(async () => {
        await harness?.close();
      });

      it('records chunks sent out of order', async () => {
        const chunks = randomChunks(10_000, 4096, 1, 9000);
        const started = await client.start(podId, { contentType: 'video/webm' });
        expect(started.statusCode).toBe(201);
        const id = started.json().id as string;

        for (const index of [2, 0, 3]) {
          expect((await client.putChunk(id, index, chunks[index] as Buffer)).statusCode).toBe(201);
        }
        const partial = (await client.get(id)).json();
        expect(partial.state).toBe('recording');
        expect(partial.receivedChunks).toBe(3);
        expect(partial.missingChunks).toEqual([1]);
        expect(partial.missingChunkCount).toBe(1);

        expect((await client.putChunk(id, 1, chunks[1] as Buffer)).statusCode).toBe(201);
        const completed = await client.complete(id, { chunkCount: 4, durationMs: 4200 });
        expect(completed.statusCode).toBe(200);
        expect(completed.json()).toMatchObject({
          state: 'completed',
          chunkCount: 4,
          sizeBytes: 23_097,
          durationMs: 4200,
          missingChunks: [],
        });

        const played = await client.stream(id);
        expect(played.statusCode).toBe(200);
        expect(played.headers['content-type']).toBe('video/webm');
        expect(played.headers['accept-ranges']).toBe('bytes');
        expect(played.headers['content-length']).toBe('23097');
        expect(played.headers['cache-control']).toBe('private, no-store');
        expect(played.rawPayload.equals(Buffer.concat(chunks))).toBe(true);
      });

      it('serves byte ranges across chunks', async () => {
        const chunks = randomChunks(10_000, 4096, 1, 9000);
        const whole = Buffer.concat(chunks);
        const id = await client.record(podId, chunks);
        const cases: Array<[string, number, number]> = [
          ['bytes=0-0', 0, 0],
          ['bytes=9990-10010', 9990, 10_010],
          ['bytes=14095-14097', 14_095, 14_097],
          ['bytes=-5', whole.length - 5, whole.length - 1],
          ['bytes=14000-', 14_000, whole.length - 1],
          ['bytes=5-99999999', 5, whole.length - 1],
        ];

        for (const [header, start, end] of cases) {
          const response = await client.stream(id, { range: header });
          expect(response.statusCode, header).toBe(206);
          expect(response.headers['content-range'], header).toBe(`bytes ${start}-${end}/${whole.length}`);
          expect(response.headers['content-length'], header).toBe(String(end - start + 1));
          expect(response.rawPayload.equals(whole.subarray(start, end + 1)), header).toBe(true);
        }
      });

      it('ignores ranges it does not serve', async () => {
        const chunks = randomChunks(5000);
        const id = await client.record(podId, chunks);

        for (const header of ['bytes=0-1,5-6', 'items=0-5', 'bytes=9-3']) {
          const response = await client.stream(id, { range: header });
          expect(response.statusCode, header).toBe(200);
          expect(response.rawPayload.length, header).toBe(5000);
        }
        const stale = await client.stream(id, { range: 'bytes=0-9', 'if-range': '"another"' });
        expect(stale.statusCode).toBe(200);
        const fresh = await client.stream(id, { range: 'bytes=0-9', 'if-range': `"${id}"` });
        expect(fresh.statusCode).toBe(206);
      });

      it('answers 416 for a range past the end', async () => {
        const id = await client.record(podId, randomChunks(3000));

        for (const header of ['bytes=3000-', 'bytes=5000-6000', 'bytes=-0']) {
          const response = await client.stream(id, { range: header });
          expect(response.statusCode, header).toBe(416);
          expect(response.headers['content-range'], header).toBe('bytes */3000');
          expect(response.json().error.code, header).toBe('range_not_satisfiable');
        }
      });

      it('audits every playback', async () => {
        const id = await client.record(podId, randomChunks(2000));

        await client.stream(id);
        await client.stream(id, { range: 'bytes=10-19' });

        const events = (await auditEvents(harness.phi, owner.tenantId, 'recording.play')).filter(
          (event) => event.resource.id === id,
        );
        expect(events).toHaveLength(2);
        expect(events[0]?.actor).toEqual({ type: 'user', id: owner.userId });
        expect(events[0]?.outcome).toBe('success');
        expect(events[0]?.details).toEqual({ range: 'full', bytes: 2000 });
        expect(events[1]?.details).toEqual({ range: 'bytes=10-19', bytes: 10 });
      });

      it('resends a stored chunk idempotently', async () => {
        const [chunk] = randomChunks(5000) as [Buffer];
        const id = (await client.start(podId)).json().id as string;
        await client.putChunk(id, 0, chunk);
        const before = await objectKeys(harness, owner.tenantId);

        const again = await client.putChunk(id, 0, chunk);

        expect(again.statusCode).toBe(200);
        expect(again.headers['idempotent-replayed']).toBe('true');
        expect(again.json()).toMatchObject({ index: 0, sizeBytes: 5000 });
        expect(await objectKeys(harness, owner.tenantId)).toEqual(before);
      });

      it('rejects another body for a stored index', async () => {
        const [first, second] = randomChunks(5000, 5000) as [Buffer, Buffer];
        const id = (await client.start(podId)).json().id as string;
        await client.putChunk(id, 0, first);
        const before = await objectKeys(harness, owner.tenantId);

        const conflict = await client.putChunk(id, 0, second);

        expect(conflict.statusCode).toBe(409);
        expect(conflict.json().error.code).toBe('chunk_conflict');
        expect(await objectKeys(harness, owner.tenantId)).toEqual(before);
        await client.complete(id, { chunkCount: 1 });
        expect((await client.stream(id)).rawPayload.equals(first)).toBe(true);
      });

      it('lists recordings with size, duration, state and expiry', async () => {
        const listPod = await harness.readyPod(owner);
        const done = await client.record(listPod, randomChunks(100, 200));
        const open = (await client.start(listPod)).json().id as string;
        await client.putChunk(open, 1, randomChunks(50)[0] as Buffer);

        const response = await client.list(listPod);

        expect(response.statusCode).toBe(200);
        const items = response.json().items as Array<Record<string, unknown>>;
        expect(items.map((item) => item.id)).toEqual([open, done]);
        expect(items[0]).toMatchObject({
          state: 'recording',
          sizeBytes: 50,
          missingChunks: [0],
          chunkCount: null,
        });
        expect(items[1]).toMatchObject({
          state: 'completed',
          sizeBytes: 300,
          durationMs: 2000,
          chunkCount: 2,
        });
        const created = Date.parse(items[1]?.createdAt as string);
        expect(Date.parse(items[1]?.expiresAt as string) - created).toBe(30 * 24 * 60 * 60 * 1000);
      });

      it('pages the list with a cursor', async () => {
        const pagedPod = await harness.readyPod(owner);
        const ids: string[] = [];
        for (let index = 0; index < 3; index += 1) {
          ids.unshift((await client.start(pagedPod)).json().id as string);
        }

        const first = (await client.list(pagedPod, '?limit=2')).json();
        const second = (await client.list(pagedPod, `?limit=2&cursor=${first.nextCursor as string}`)).json();

        expect([...first.items, ...second.items].map((item: { id: string }) => item.id)).toEqual(ids);
        expect(second.nextCursor).toBeNull();
      });

      it('names objects with random ids under the tenant', async () => {
        const chunks = randomChunks(6000, 6000);
        const id = await client.record(podId, chunks);
        const pattern = new RegExp(`^tenant/${owner.tenantId}/recording/${UUID}/${UUID}$`);

        const keys = await objectKeys(harness, owner.tenantId);

        expect(keys.length).toBeGreaterThan(0);
        for (const key of keys) {
          expect(key).toMatch(pattern);
          expect(key).not.toContain(id);
          expect(key).not.toContain(podId);
        }
      });

      it('stores no plaintext', async () => {
        const marker = Buffer.from('PATIENT-NAME-'.repeat(400));
        const id = await client.record(podId, [marker]);
        const rows = await harness.db.query<{ object_key: string }>(
          'SELECT object_key FROM recording_chunks WHERE recording_id = $1',
          [id],
        );
        const object = await harness.store.get(rows.rows[0]?.object_key ?? '');
        const stored: Buffer[] = [];
        for await (const piece of object.body) {
          stored.push(piece as Buffer);
        }

        expect(Buffer.concat(stored).includes(Buffer.from('PATIENT-NAME-'))).toBe(false);
        expect(Buffer.concat(stored).subarray(0, 4).toString('latin1')).toBe('PHIS');
      });

      it("hides another tenant's recordings", async () => {
        const id = await client.record(podId, randomChunks(1000));
        const open = (await client.start(podId)).json().id as string;
        const stranger = new RecordingClient(harness.app, await harness.register());

        const responses = [
          await stranger.get(id),
          await stranger.stream(id),
          await stranger.putChunk(open, 0, randomChunks(10)[0] as Buffer),
          await stranger.complete(open, { chunkCount: 1 }),
          await stranger.delete(id),
          await stranger.list(podId),
          await stranger.start(podId),
        ];

        for (const response of responses) {
          expect(response.statusCode).toBe(404);
        }
        expect((await client.get(id)).statusCode).toBe(200);
        expect((await client.get(open)).json().receivedChunks).toBe(0);
      });

      it('deletes a recording with its objects and rows', async () => {
        const id = await client.record(podId, randomChunks(3000, 3000));
        const { rows } = await harness.db.query<{ storage_id: string }>(
          'SELECT storage_id FROM recordings WHERE id = $1',
          [id],
        );
        const prefix = `tenant/${owner.tenantId}/recording/${rows[0]?.storage_id}/`;

        const response = await client.delete(id);

        expect(response.statusCode).toBe(204);
        expect((await client.get(id)).statusCode).toBe(404);
        expect((await client.delete(id)).statusCode).toBe(404);
        expect((await objectKeys(harness, owner.tenantId)).filter((key) => key.startsWith(prefix))).toEqual(
          [],
        );
        const chunkRows = await harness.db.query('SELECT 1 FROM recording_chunks WHERE recording_id = $1', [
          id,
        ]);
        expect(chunkRows.rowCount).toBe(0);
        const events = await auditEvents(harness.phi, owner.tenantId, 'recording.delete');
        expect(events.map((event) => event.resource.id)).toContain(id);
      });

      it('reports the recordings bucket in readiness', async () => {
        const response = await harness.app.inject({ method: 'GET', url: '/health/ready' });

        expect(response.statusCode).toBe(200);
        expect(response.body).toContain('recordings-bucket');
      });
    });
  }
});
