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

const CHUNK = 10_000;

forEachEngine('recording integrity', (getDb) => {
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

  /** Records three chunks of 10,000 bytes and returns the id and the whole plaintext. */
  async function threeChunks(): Promise<{ id: string; whole: Buffer }> {
    const chunks = randomChunks(CHUNK, CHUNK, CHUNK);
    return { id: await client.record(podId, chunks), whole: Buffer.concat(chunks) };
  }

  async function objectKeyOf(id: string, index: number): Promise<string> {
    const { rows } = await harness.db.query<{ object_key: string }>(
      'SELECT object_key FROM recording_chunks WHERE recording_id = $1 AND chunk_index = $2',
      [id, index],
    );
    return rows[0]?.object_key ?? '';
  }

  async function readObject(key: string): Promise<Buffer> {
    const object = await harness.store.get(key);
    const pieces: Buffer[] = [];
    for await (const piece of object.body) {
      pieces.push(piece as Buffer);
    }
    return Buffer.concat(pieces);
  }

  function expectCorrupted(response: { statusCode: number; json(): { error: { code: string } } }) {
    expect(response.statusCode).toBe(500);
    expect(response.json().error.code).toBe('recording_corrupted');
  }

  describe('tampering', () => {
    it('rejects an altered object and plays the other chunks', async () => {
      const { id, whole } = await threeChunks();
      const key = await objectKeyOf(id, 1);
      const stored = await readObject(key);
      stored.writeUInt8(stored.readUInt8(200) ^ 0x01, 200);
      await harness.store.put(key, stored);

      expectCorrupted(await client.stream(id, { range: `bytes=${CHUNK}-${CHUNK + 99}` }));
      const untouched = await client.stream(id, { range: `bytes=${2 * CHUNK}-${2 * CHUNK + 99}` });
      expect(untouched.statusCode).toBe(206);
      expect(untouched.rawPayload.equals(whole.subarray(2 * CHUNK, 2 * CHUNK + 100))).toBe(true);
    });

    it('cuts a full playback at the altered chunk', async () => {
      const { id, whole } = await threeChunks();
      const key = await objectKeyOf(id, 2);
      const stored = await readObject(key);
      stored.writeUInt8(stored.readUInt8(stored.length - 1) ^ 0x01, stored.length - 1);
      await harness.store.put(key, stored);

      // The status went out with the first chunk, so the failure can only cut the response off.
      await expect(client.stream(id)).rejects.toThrow(/destroyed before completion/);
      const before = await client.stream(id, { range: `bytes=0-${2 * CHUNK - 1}` });
      expect(before.rawPayload.equals(whole.subarray(0, 2 * CHUNK))).toBe(true);
    });

    it('rejects a truncated object', async () => {
      const { id } = await threeChunks();
      const key = await objectKeyOf(id, 0);
      const stored = await readObject(key);
      await harness.store.put(key, stored.subarray(0, stored.length - 100));

      expectCorrupted(await client.stream(id, { range: `bytes=${CHUNK - 10}-${CHUNK - 1}` }));
    });

    it('rejects swapped object keys', async () => {
      const { id } = await threeChunks();
      const first = await objectKeyOf(id, 0);
      const second = await objectKeyOf(id, 1);
      await harness.db.query(
        'UPDATE recording_chunks SET object_key = $3 WHERE recording_id = $1 AND chunk_index = $2',
        [id, 0, second],
      );
      await harness.db.query(
        'UPDATE recording_chunks SET object_key = $3 WHERE recording_id = $1 AND chunk_index = $2',
        [id, 1, first],
      );

      expectCorrupted(await client.stream(id));
    });

    it('rejects reordered chunk rows', async () => {
      const { id } = await threeChunks();
      const move =
        'UPDATE recording_chunks SET chunk_index = $3 WHERE recording_id = $1 AND chunk_index = $2';
      await harness.db.query(move, [id, 0, 99_999]);
      await harness.db.query(move, [id, 1, 0]);
      await harness.db.query(move, [id, 99_999, 1]);

      expectCorrupted(await client.stream(id));
    });

    it('rejects a removed middle chunk', async () => {
      const { id } = await threeChunks();
      await harness.db.query('DELETE FROM recording_chunks WHERE recording_id = $1 AND chunk_index = 1', [
        id,
      ]);

      expectCorrupted(await client.stream(id, { range: `bytes=${CHUNK}-${CHUNK + 5}` }));
      await expect(client.stream(id, { range: `bytes=${CHUNK - 5}-${CHUNK + 5}` })).rejects.toThrow(
        /destroyed before completion/,
      );
    });

    it('rejects a recording cut to fewer chunks', async () => {
      const { id } = await threeChunks();
      await harness.db.query('DELETE FROM recording_chunks WHERE recording_id = $1 AND chunk_index = 2', [
        id,
      ]);
      await harness.db.query('UPDATE recordings SET chunk_count = 2, total_bytes = $2 WHERE id = $1', [
        id,
        2 * CHUNK,
      ]);

      expectCorrupted(await client.stream(id));
    });

    it('rejects a chunk copied from another recording', async () => {
      const { id } = await threeChunks();
      const other = await threeChunks();
      await harness.db.query('DELETE FROM recording_chunks WHERE recording_id = $1 AND chunk_index = 1', [
        id,
      ]);
      await harness.db.query(
        `INSERT INTO recording_chunks (recording_id, chunk_index, object_key, plaintext_bytes, ciphertext_bytes, sha256,
           stream_header, plaintext_offset, seal)
         SELECT $1, chunk_index, object_key, plaintext_bytes, ciphertext_bytes, sha256, stream_header, plaintext_offset, seal
           FROM recording_chunks WHERE recording_id = $2 AND chunk_index = 1`,
        [id, other.id],
      );

      expectCorrupted(await client.stream(id, { range: `bytes=${CHUNK}-${CHUNK + 5}` }));
    });

    it('rejects a resized chunk row', async () => {
      const { id } = await threeChunks();
      await harness.db.query(
        'UPDATE recording_chunks SET plaintext_bytes = plaintext_bytes - 1 WHERE recording_id = $1 AND chunk_index = 0',
        [id],
      );

      expectCorrupted(await client.stream(id, { range: 'bytes=0-9' }));
    });
  });

  describe('crypto-shredding', () => {
    it('makes recordings unreadable and unwritable', async () => {
      const victim = await harness.register();
      const victimClient = new RecordingClient(harness.app, victim);
      const victimPod = await harness.readyPod(victim);
      const id = await victimClient.record(victimPod, randomChunks(5000));
      const open = (await victimClient.start(victimPod)).json().id as string;
      expect((await victimClient.stream(id)).statusCode).toBe(200);

      await harness.phi.keys.shredTenant(victim.tenantId);

      const played = await victimClient.stream(id);
      expect(played.statusCode).toBe(410);
      expect(played.json().error.code).toBe('recording_unrecoverable');
      const uploaded = await victimClient.putChunk(open, 0, Buffer.from('frame'));
      expect(uploaded.statusCode).toBe(410);
      const events = await auditEvents(harness.phi, victim.tenantId, 'recording.play');
      expect(events.map((event) => event.outcome)).toEqual(['success', 'failure']);
      expect((await victimClient.get(id)).statusCode).toBe(200);
    });

    it('leaves other tenants readable', async () => {
      const { id, whole } = await threeChunks();
      const victim = await harness.register();
      await harness.phi.keys.shredTenant(victim.tenantId);

      expect((await client.stream(id)).rawPayload.equals(whole)).toBe(true);
    });
  });
});
