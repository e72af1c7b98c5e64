/**
 * Session recording ingest and playback of skillpod-svc, measured side by side in one run.
 *
 * Ingest: `RecordingService.uploadChunk` for 4 MiB chunks (SHA-256 check, AES-256-GCM segments of
 * 64 KiB, object put, chunk row insert) against raw `store.put` of the same bytes. Both take the
 * body as 64 KiB pieces, as a socket delivers it. Two shapes are measured: four recorders
 * uploading at once, as a replica serving several pods does, and one recorder alone. The target
 * (ingest at least 80% of raw) applies to four recorders on the S3 driver against the local S3
 * peer (R2 profile) in its own process, the path production takes to R2. With one recorder there
 * is no other upload to overlap the hashing and encryption with, so that ratio is lower and shown
 * without a target.
 *
 * The filesystem driver is reported without a target. Its raw put is a local write whose
 * main-thread cost (MD5, copies) is about as large as the SHA-256 and AES-GCM that ingest adds,
 * so its ratio mostly shows the CPU cost of encryption on this machine.
 *
 * Playback: decrypting a completed 32 MiB recording through `playRecording` (seal checks, ranged
 * GETs, segment decryption) against raw `store.get` of the same stored objects.
 *
 * The database is PostgreSQL when the test server (TEST_DATABASE_URL) is reachable, as in
 * production, and PGlite otherwise; each figure names it. One-recorder ingest alternates chunk by
 * chunk, the other measurements round by round, and each figure is the median sample, so machine
 * noise hits both sides alike. No HTTP is involved, because it would add the same cost to both.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FilesystemObjectStore, type ObjectStore, S3ObjectStore } from '@skillancer/object-storage';
import { MasterKeyring } from '@skillancer/phi-crypto';
import { createPhiStore } from '@skillancer/phi-store';
import type { Principal } from '@skillancer/service-kit';
import { checkPostgres, createTestDatabase, type TestDatabase } from '@skillancer/testing/database';
import pino from 'pino';
import { playRecording } from '../services/skillpod-svc/src/recordings/playback.js';
import { RecordingRepository } from '../services/skillpod-svc/src/recordings/recording-repository.js';
import { RecordingService } from '../services/skillpod-svc/src/recordings/recording-service.js';
import { startS3PeerProcess } from './s3-peer-process.js';
import type { BenchFigure, BenchResult } from './types.js';

const MIB = 1024 * 1024;
const CHUNK_BYTES = 4 * MIB;
const PIECE_BYTES = 64 * 1024;
const CHUNKS_PER_ROUND = 8;
/** Pairs of one ingested chunk and one raw put; the first ones warm the key cache, JIT and store. */
const WARM_UP_PAIRS = 4;
const PAIRS = 40;
/** Uploaders running at once in the concurrent ingest measurement, and chunks each sends per phase. */
const RECORDERS = 4;
const CHUNKS_PER_RECORDER = 4;
const CONCURRENT_ROUNDS = 7;
/** Playback rounds, each one whole playback and one raw read of the same objects. */
const ROUNDS = 7;
const BUCKET = 'recordings-bench';
const ACCESS_KEY_ID = 'BENCHKEY';
const SECRET_ACCESS_KEY = 'bench-secret-access-key';
/** One master key for every fixture: the database's audit MAC key is wrapped by the first one used. */
const MASTER_KEY_HEX = randomBytes(32).toString('hex');

interface Fixture {
  db: TestDatabase;
  service: RecordingService;
  repository: RecordingRepository;
  principal: Principal;
  podId: string;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** Yields the chunk as 64 KiB pieces, each a fresh copy, as socket reads are. */
async function* pieces(chunk: Buffer): AsyncGenerator<Buffer> {
  for (let offset = 0; offset < chunk.length; offset += PIECE_BYTES) {
    yield Buffer.from(chunk.subarray(offset, offset + PIECE_BYTES));
  }
}

async function setUp(store: ObjectStore, db: TestDatabase): Promise<Fixture> {
  const tenantId = randomUUID();
  const userId = randomUUID();
  const podId = randomUUID();
  await db.query("INSERT INTO tenants (id, name, kind) VALUES ($1, 'bench', 'personal')", [tenantId]);
  await db.query("INSERT INTO users (id, email, password_hash, display_name) VALUES ($1, $2, 'x', 'Bench')", [
    userId,
    `bench-${userId}@example.com`,
  ]);
  await db.query(
    `INSERT INTO pods (id, tenant_id, owner_user_id, name, state, size_gb, location)
     VALUES ($1, $2, $3, 'bench', 'ready', 10, 'fsn1')`,
    [podId, tenantId, userId],
  );
  const phi = createPhiStore({
    db,
    masterKeys: MasterKeyring.fromHex({ current: MASTER_KEY_HEX }),
  });
  const repository = new RecordingRepository(db, 30);
  const service = new RecordingService({
    repository,
    store,
    keys: phi.keys,
    audit: phi.audit,
    logger: pino({ level: 'silent' }),
    clock: () => new Date(),
    segmentSize: 64 * 1024,
    defaultRetentionDays: 30,
  });
  const principal: Principal = {
    userId,
    tenantId,
    role: 'owner',
    sessionId: randomUUID(),
    permissions: ['pods:manage', 'recordings:watch'],
  };
  return { db, service, repository, principal, podId };
}

/** Uploads one chunk through the service and returns its throughput in MiB/s. */
async function timeIngest(
  fixture: Fixture,
  recordingId: string,
  index: number,
  chunk: Buffer,
  digest: Buffer,
) {
  const start = performance.now();
  await fixture.service.uploadChunk(fixture.principal, recordingId, index, pieces(chunk), digest);
  return CHUNK_BYTES / MIB / ((performance.now() - start) / 1000);
}

/** Puts one chunk as it is and returns its throughput in MiB/s. */
async function timeRawPut(store: ObjectStore, key: string, chunk: Buffer): Promise<number> {
  const start = performance.now();
  await store.put(key, pieces(chunk), { contentType: 'application/octet-stream' });
  return CHUNK_BYTES / MIB / ((performance.now() - start) / 1000);
}

/**
 * Alternates one ingested chunk and one raw put of the same bytes, each side first in every other
 * pair, and returns the median per-chunk throughput of each side. Pairs run close together, so a
 * preemption or a slow disk flush hits single samples, which the median leaves out.
 */
async function measureIngest(
  fixture: Fixture,
  chunks: readonly Buffer[],
  digests: readonly Buffer[],
): Promise<{ ingest: number; raw: number }> {
  const { service, principal } = fixture;
  const { recording } = await service.start(principal, fixture.podId, { contentType: 'video/webm' });
  const rawKeys: string[] = [];
  const ingest: number[] = [];
  const raw: number[] = [];
  for (let pair = 0; pair < WARM_UP_PAIRS + PAIRS; pair += 1) {
    const chunk = chunks[pair % chunks.length] as Buffer;
    const digest = digests[pair % chunks.length] as Buffer;
    const key = `tenant/${principal.tenantId}/raw/${randomUUID()}`;
    rawKeys.push(key);
    let ingested: number;
    let put: number;
    if (pair % 2 === 0) {
      ingested = await timeIngest(fixture, recording.id, pair, chunk, digest);
      put = await timeRawPut(fixture.service.deps.store, key, chunk);
    } else {
      put = await timeRawPut(fixture.service.deps.store, key, chunk);
      ingested = await timeIngest(fixture, recording.id, pair, chunk, digest);
    }
    if (pair >= WARM_UP_PAIRS) {
      ingest.push(ingested);
      raw.push(put);
    }
  }
  await service.delete(principal, recording.id);
  await fixture.service.deps.store.deleteMany(rawKeys);
  return { ingest: median(ingest), raw: median(raw) };
}

/**
 * Runs `RECORDERS` uploaders at once, each sending `CHUNKS_PER_RECORDER` chunks one after another,
 * as a replica does when several pods record at the same time. Phases of ingest and of raw puts
 * alternate, each side first in every other round, and each side's figure is the median phase
 * throughput (all bytes over the phase's wall time).
 */
async function measureConcurrentIngest(
  fixture: Fixture,
  chunks: readonly Buffer[],
  digests: readonly Buffer[],
): Promise<{ ingest: number; raw: number }> {
  const { service, principal } = fixture;
  const store = service.deps.store;
  const phaseBytes = RECORDERS * CHUNKS_PER_RECORDER * CHUNK_BYTES;
  const ingestPhase = async (): Promise<number> => {
    const recordings = await Promise.all(
      Array.from({ length: RECORDERS }, () =>
        service.start(principal, fixture.podId, { contentType: 'video/webm' }),
      ),
    );
    const start = performance.now();
    await Promise.all(
      recordings.map(async ({ recording }, recorder) => {
        for (let index = 0; index < CHUNKS_PER_RECORDER; index += 1) {
          const pick = (recorder + index) % chunks.length;
          await service.uploadChunk(
            principal,
            recording.id,
            index,
            pieces(chunks[pick] as Buffer),
            digests[pick] as Buffer,
          );
        }
      }),
    );
    const seconds = (performance.now() - start) / 1000;
    for (const { recording } of recordings) {
      await service.delete(principal, recording.id);
    }
    return phaseBytes / MIB / seconds;
  };
  const rawPhase = async (): Promise<number> => {
    const keys: string[] = [];
    const start = performance.now();
    await Promise.all(
      Array.from({ length: RECORDERS }, async (_, recorder) => {
        for (let index = 0; index < CHUNKS_PER_RECORDER; index += 1) {
          const key = `tenant/${principal.tenantId}/raw/${randomUUID()}`;
          keys.push(key);
          const chunk = chunks[(recorder + index) % chunks.length] as Buffer;
          await store.put(key, pieces(chunk), { contentType: 'application/octet-stream' });
        }
      }),
    );
    const seconds = (performance.now() - start) / 1000;
    await store.deleteMany(keys);
    return phaseBytes / MIB / seconds;
  };

  await ingestPhase();
  await rawPhase();
  const ingest: number[] = [];
  const raw: number[] = [];
  for (let round = 0; round < CONCURRENT_ROUNDS; round += 1) {
    if (round % 2 === 0) {
      ingest.push(await ingestPhase());
      raw.push(await rawPhase());
    } else {
      raw.push(await rawPhase());
      ingest.push(await ingestPhase());
    }
  }
  return { ingest: median(ingest), raw: median(raw) };
}

async function playbackRound(fixture: Fixture, recordingId: string): Promise<number> {
  const recording = await fixture.service.find(fixture.principal, recordingId);
  const total = recording.totalBytes ?? 0;
  const start = performance.now();
  let received = 0;
  for await (const piece of playRecording(fixture.service.deps, recording, { start: 0, end: total - 1 })) {
    received += piece.length;
  }
  const seconds = (performance.now() - start) / 1000;
  if (received !== total) {
    throw new Error(`playback returned ${received} of ${total} bytes`);
  }
  return total / MIB / seconds;
}

async function rawGetRound(store: ObjectStore, keys: readonly string[]): Promise<number> {
  let received = 0;
  const start = performance.now();
  for (const key of keys) {
    const object = await store.get(key);
    for await (const piece of object.body) {
      received += (piece as Buffer).length;
    }
  }
  return received / MIB / ((performance.now() - start) / 1000);
}

async function measureStore(
  label: string,
  store: ObjectStore,
  db: TestDatabase,
  ingestTarget: BenchFigure['target'],
): Promise<BenchFigure[]> {
  const fixture = await setUp(store, db);
  const chunks = Array.from({ length: CHUNKS_PER_ROUND }, () => randomBytes(CHUNK_BYTES));
  const digests = chunks.map((chunk) => createHash('sha256').update(chunk).digest());

  const { ingest: ingestMedian, raw: rawMedian } = await measureIngest(fixture, chunks, digests);
  const concurrent = await measureConcurrentIngest(fixture, chunks, digests);

  const { recording } = await fixture.service.start(fixture.principal, fixture.podId, {
    contentType: 'video/webm',
  });
  for (const [index, chunk] of chunks.entries()) {
    await fixture.service.uploadChunk(
      fixture.principal,
      recording.id,
      index,
      pieces(chunk),
      digests[index] as Buffer,
    );
  }
  await fixture.service.complete(fixture.principal, recording.id, { chunkCount: chunks.length });
  const { rows } = await db.query<{ object_key: string }>(
    'SELECT object_key FROM recording_chunks WHERE recording_id = $1 ORDER BY chunk_index',
    [recording.id],
  );
  const objectKeys = rows.map((row) => row.object_key);
  await playbackRound(fixture, recording.id);
  const playback: number[] = [];
  const rawGet: number[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    playback.push(await playbackRound(fixture, recording.id));
    rawGet.push(await rawGetRound(store, objectKeys));
  }

  const playbackMedian = median(playback);
  const rawGetMedian = median(rawGet);
  return [
    {
      metric: `ingest, ${RECORDERS} recorders at once, 4 MiB chunks encrypted and stored (${label})`,
      value: concurrent.ingest,
      unit: 'MiB/s',
      baseline: 'raw puts of the same bytes, as many at once',
      baselineValue: concurrent.raw,
      ratio: concurrent.ingest / concurrent.raw,
      ...(ingestTarget === undefined ? {} : { target: ingestTarget }),
    },
    {
      metric: `ingest, one recorder, 4 MiB chunks encrypted and stored (${label})`,
      value: ingestMedian,
      unit: 'MiB/s',
      baseline: 'raw put of the same bytes',
      baselineValue: rawMedian,
      ratio: ingestMedian / rawMedian,
    },
    {
      metric: `playback decrypt, 32 MiB recording (${label})`,
      value: playbackMedian,
      unit: 'MiB/s',
      baseline: 'raw get of the stored objects',
      baselineValue: rawGetMedian,
      ratio: playbackMedian / rawGetMedian,
    },
  ];
}

export default async function run(): Promise<BenchResult> {
  const workDir = await mkdtemp(path.join(tmpdir(), 'recordings-bench-'));
  const db = await createTestDatabase((await checkPostgres()).available ? 'postgres' : 'pglite');
  const peer = await startS3PeerProcess({
    dataDir: path.join(workDir, 'peer'),
    profile: 'r2',
    bucket: BUCKET,
    accessKeyId: ACCESS_KEY_ID,
    secretAccessKey: SECRET_ACCESS_KEY,
  });
  const s3 = new S3ObjectStore({
    bucket: BUCKET,
    endpoint: peer.endpoint,
    region: 'auto',
    accessKeyId: ACCESS_KEY_ID,
    secretAccessKey: SECRET_ACCESS_KEY,
    forcePathStyle: true,
  });
  try {
    const filesystem = new FilesystemObjectStore({ rootDir: path.join(workDir, 'fs'), bucket: BUCKET });
    const figures = [
      ...(await measureStore(`S3 peer, R2 profile, ${db.engine}`, s3, db, { op: '>=', value: 0.8 })),
      ...(await measureStore(`filesystem, ${db.engine}`, filesystem, db, undefined)),
    ];
    return { name: 'recordings', figures };
  } finally {
    await s3.close();
    await peer.stop();
    await db.close();
    await rm(workDir, { recursive: true, force: true });
  }
}
