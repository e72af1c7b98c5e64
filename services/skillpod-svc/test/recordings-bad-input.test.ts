import { Readable } from 'node:stream';
import { forEachEngine } from '@skillancer/testing/database';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  auditEvents,
  RecordingClient,
  type RecordingsHarness,
  type RecordingUser,
  randomChunks,
  sha256Hex,
  startRecordingsHarness,
} from './recordings-support.js';

const MIB = 1024 * 1024;

forEachEngine('recording bad input', (getDb) => {
  let harness: RecordingsHarness;
  let owner: RecordingUser;
  let client: RecordingClient;
  let podId: string;

  beforeAll(async () => {
    harness = await startRecordingsHarness(getDb(), 'filesystem');
    owner = await harness.register();
    client = new RecordingClient(harness.app, owner);
    podId = await harness.readyPod(owner);
  });

  afterAll(async () => {
    await harness?.close();
  });

  async function startRecording(): Promise<string> {
    return (await client.start(podId)).json().id as string;
  }

  async function storedObjects(): Promise<number> {
    let count = 0;
    for await (const _object of harness.store.list(`tenant/${owner.tenantId}/`)) {
      count += 1;
    }
    return count;
  }

  describe('chunk uploads', () => {
    it.each(['-1', '100000', '1.5', 'abc', '01', '1e3', '99999999999999999999', '+4'])(
      'rejects index %s',
      async (index) => {
        const id = await startRecording();

        const response = await client.putChunk(id, index, Buffer.from('frame'));

        expect(response.statusCode).toBe(400);
        expect(response.json().error.code).toBe('invalid_chunk_index');
      },
    );

    it('accepts the highest index', async () => {
      const id = await startRecording();

      expect((await client.putChunk(id, 99_999, Buffer.from('frame'))).statusCode).toBe(201);
    });

    it('rejects a body whose hash differs and stores nothing', async () => {
      const id = await startRecording();
      const before = await storedObjects();
      const [body] = randomChunks(20_000) as [Buffer];

      const response = await client.putChunk(id, 0, body, sha256Hex(Buffer.from('something else')));

      expect(response.statusCode).toBe(400);
      expect(response.json().error.code).toBe('checksum_mismatch');
      expect(await storedObjects()).toBe(before);
      expect((await client.get(id)).json().receivedChunks).toBe(0);
      expect((await client.putChunk(id, 0, body)).statusCode).toBe(201);
    });

    it('requires a well-formed x-content-sha256', async () => {
      const id = await startRecording();
      const missing = await harness.app.inject({
        method: 'PUT',
        url: `/recordings/${id}/chunks/0`,
        headers: { ...owner.auth, 'content-type': 'application/octet-stream' },
        payload: Buffer.from('frame'),
      });

      const malformed = await client.putChunk(id, 0, Buffer.from('frame'), 'not-a-digest');

      expect(missing.statusCode).toBe(400);
      expect(missing.json().error.code).toBe('missing_content_sha256');
      expect(malformed.statusCode).toBe(400);
      expect(malformed.json().error.code).toBe('invalid_content_sha256');
    });

    it('rejects an empty chunk', async () => {
      const id = await startRecording();

      const response = await client.putChunk(id, 0, Buffer.alloc(0));

      expect(response.statusCode).toBe(400);
      expect(response.json().error.code).toBe('empty_chunk');
    });

    it('rejects a declared length above 16 MiB', async () => {
      const id = await startRecording();

      const response = await harness.app.inject({
        method: 'PUT',
        url: `/recordings/${id}/chunks/0`,
        headers: {
          ...owner.auth,
          'content-type': 'application/octet-stream',
          'content-length': String(16 * MIB + 1),
          'x-content-sha256': sha256Hex(Buffer.from('x')),
        },
        payload: Buffer.from('x'),
      });

      expect(response.statusCode).toBe(413);
      expect(response.json().error.code).toBe('chunk_too_large');
    });

    it('stops a streamed body past 16 MiB and stores nothing', async () => {
      const id = await startRecording();
      const before = await storedObjects();
      const piece = Buffer.alloc(MIB, 1);
      const body = Readable.from(
        (function* () {
          for (let sent = 0; sent < 17; sent += 1) yield piece;
        })(),
      );

      const response = await harness.app.inject({
        method: 'PUT',
        url: `/recordings/${id}/chunks/0`,
        headers: {
          ...owner.auth,
          'content-type': 'application/octet-stream',
          'x-content-sha256': sha256Hex(piece),
        },
        payload: body,
      });

      expect(response.statusCode).toBe(413);
      expect(await storedObjects()).toBe(before);
      expect((await client.get(id)).json().receivedChunks).toBe(0);
    });

    it('rejects a new chunk after completion but accepts a repeat', async () => {
      const [chunk] = randomChunks(500) as [Buffer];
      const id = await client.record(podId, [chunk]);

      const extra = await client.putChunk(id, 1, Buffer.from('late'));
      const repeat = await client.putChunk(id, 0, chunk);

      expect(extra.statusCode).toBe(409);
      expect(extra.json().error.code).toBe('recording_completed');
      expect(repeat.statusCode).toBe(200);
    });

    it('answers 404 for unknown recordings', async () => {
      for (const id of ['9b0f6c3e-1d2a-4c5b-8e7f-0a1b2c3d4e5f', 'not-a-uuid']) {
        expect((await client.putChunk(id, 0, Buffer.from('x'))).statusCode).toBe(404);
        expect((await client.get(id)).statusCode).toBe(404);
        expect((await client.stream(id)).statusCode).toBe(404);
      }
    });
  });

  describe('completion', () => {
    it('lists missing chunks of a recording with gaps', async () => {
      const chunks = randomChunks(100, 100, 100, 100, 100, 100);
      const id = await startRecording();
      for (const index of [0, 2, 5]) {
        await client.putChunk(id, index, chunks[index] as Buffer);
      }

      const response = await client.complete(id, { chunkCount: 6 });

      expect(response.statusCode).toBe(409);
      expect(response.json().error.code).toBe('chunks_missing');
      expect(response.json().error.details).toEqual({ missingChunks: [1, 3, 4], missingChunkCount: 3 });
      expect((await client.get(id)).json()).toMatchObject({ state: 'recording', missingChunks: [1, 3, 4] });

      for (const index of [4, 1, 3]) {
        await client.putChunk(id, index, chunks[index] as Buffer);
      }
      expect((await client.complete(id, { chunkCount: 6 })).statusCode).toBe(200);
      expect((await client.stream(id)).rawPayload.equals(Buffer.concat(chunks))).toBe(true);
    });

    it('reports trailing chunks as missing', async () => {
      const id = await startRecording();
      await client.putChunk(id, 0, Buffer.from('first'));

      const response = await client.complete(id, { chunkCount: 3 });

      expect(response.statusCode).toBe(409);
      expect(response.json().error.details).toEqual({ missingChunks: [1, 2], missingChunkCount: 2 });
    });

    it('rejects a count below the stored chunks', async () => {
      const id = await startRecording();
      for (const index of [0, 1, 2]) {
        await client.putChunk(id, index, Buffer.from(`frame ${index}`));
      }

      const response = await client.complete(id, { chunkCount: 2 });

      expect(response.statusCode).toBe(409);
      expect(response.json().error.code).toBe('chunk_count_mismatch');
      expect(response.json().error.details).toEqual({ unexpectedChunks: [2] });
    });

    it('replays an identical completion', async () => {
      const id = await client.record(podId, randomChunks(300));

      const again = await client.complete(id, { chunkCount: 1, durationMs: 1000 });
      const withoutDuration = await client.complete(id, { chunkCount: 1 });

      expect(again.statusCode).toBe(200);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.json().state).toBe('completed');
      expect(withoutDuration.statusCode).toBe(200);
    });

    it('rejects a completion with other values', async () => {
      const id = await client.record(podId, randomChunks(300));

      const otherCount = await client.complete(id, { chunkCount: 2 });
      const otherDuration = await client.complete(id, { chunkCount: 1, durationMs: 5 });

      expect(otherCount.statusCode).toBe(409);
      expect(otherCount.json().error.code).toBe('recording_already_completed');
      expect(otherDuration.statusCode).toBe(409);
    });

    it.each([
      { chunkCount: 0 },
      { chunkCount: -1 },
      { chunkCount: 1.5 },
      { chunkCount: 100_001 },
      {},
      { chunkCount: 1, durationMs: -1 },
    ])('rejects the body %j', async (body) => {
      const id = await startRecording();

      const response = await client.complete(id, body);

      expect(response.statusCode).toBe(400);
      expect(response.json().error.code).toBe('validation_failed');
    });
  });

  describe('playback', () => {
    it('rejects playback of an incomplete recording', async () => {
      const id = await startRecording();
      await client.putChunk(id, 0, Buffer.from('frame'));

      const response = await client.stream(id);

      expect(response.statusCode).toBe(409);
      expect(response.json().error.code).toBe('recording_incomplete');
    });

    it('denies members without recordings:watch and audits it', async () => {
      const member = await harness.registerMember();
      const memberClient = new RecordingClient(harness.app, member);
      const memberPod = await harness.readyPod(member);
      const id = await memberClient.record(memberPod, randomChunks(100));

      const response = await memberClient.stream(id);

      expect(response.statusCode).toBe(403);
      expect(response.json().error.code).toBe('permission_denied');
      const events = await auditEvents(harness.phi, member.tenantId, 'recording.play');
      expect(events.map((event) => [event.resource.id, event.outcome])).toEqual([[id, 'denied']]);
      expect((await memberClient.delete(id)).statusCode).toBe(403);
    });
  });

  describe('start', () => {
    it('rejects an invalid content type', async () => {
      const response = await client.start(podId, { contentType: 'not a type' });

      expect(response.statusCode).toBe(400);
    });

    it('answers 404 for an unknown pod', async () => {
      expect((await client.start('9b0f6c3e-1d2a-4c5b-8e7f-0a1b2c3d4e5f')).statusCode).toBe(404);
      expect((await client.start('pod-1')).statusCode).toBe(404);
    });

    it('rejects a pod that is not ready', async () => {
      const stoppedPod = await harness.readyPod(owner);
      await harness.app.inject({
        method: 'POST',
        url: `/pods/${stoppedPod}/action`,
        headers: owner.auth,
        payload: { action: 'stop' },
      });
      await harness.app.podLifecycle.runner.idle();

      const response = await client.start(stoppedPod);

      expect(response.statusCode).toBe(409);
      expect(response.json().error.code).toBe('pod_not_ready');
    });
  });
});
