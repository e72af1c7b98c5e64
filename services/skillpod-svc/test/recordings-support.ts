import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildAuthApp, MemoryRateLimiter } from '@skillancer/auth-svc';
import type { Database } from '@skillancer/database';
import { FilesystemObjectStore, type ObjectStore, S3ObjectStore } from '@skillancer/object-storage';
import { MasterKeyring } from '@skillancer/phi-crypto';
import { createPhiStore, type PhiStore } from '@skillancer/phi-store';
import { createAccessTokenVerifier, type ServiceApp } from '@skillancer/service-kit';
import { type S3Peer, startS3Peer } from '@skillancer/testing/s3';
import { createLocalJWKSet, type JSONWebKeySet } from 'jose';
import { buildSkillpodApp, type SkillpodApp } from '../src/app.js';
import { RetentionSweeper } from '../src/recordings/index.js';
import { RecordingRepository } from '../src/recordings/recording-repository.js';
import { localProvider, settledPod, TEST_SETTINGS } from './support.js';

const ISSUER = 'skillancer-auth-recordings-test';
export const BUCKET = 'recordings';
export const RETENTION_DAYS = 30;
/** Small segments, so that short test chunks span several of them. */
export const SEGMENT_SIZE = 4096;
const DAY_MS = 24 * 60 * 60 * 1000;

export type StoreKind = 'filesystem' | 's3';

export interface RecordingUser {
  userId: string;
  tenantId: string;
  auth: { authorization: string };
}

/** Everything a recordings test drives: the app, its bucket, keys and audit trail, and a movable clock. */
export interface RecordingsHarness {
  app: SkillpodApp;
  db: Database;
  store: ObjectStore;
  phi: PhiStore;
  storeKind: StoreKind;
  peer?: S3Peer;
  /** Registers an account with its own tenant, as owner. */
  register(): Promise<RecordingUser>;
  /** Registers an account whose role in its tenant is `member`. */
  registerMember(): Promise<RecordingUser>;
  /** Creates a pod of the user and waits until it is ready. */
  readyPod(user: RecordingUser): Promise<string>;
  /** Moves the clock of the app and of `sweeper()` forward. */
  advanceDays(days: number): void;
  now(): Date;
  /** A retention sweeper on the same database and bucket, as another replica would run it. */
  sweeper(options?: { staleDeletingMs?: number; intervalMs?: number }): RetentionSweeper;
  repository: RecordingRepository;
  close(): Promise<void>;
}

const MASTER_HEX = createHash('sha256').update('skillpod recordings test master key').digest('hex');

async function createStore(
  kind: StoreKind,
): Promise<{ store: ObjectStore; peer?: S3Peer; cleanup(): Promise<void> }> {
  if (kind === 'filesystem') {
    const rootDir = await mkdtemp(join(tmpdir(), 'skillpod-recordings-'));
    const store = new FilesystemObjectStore({ rootDir, bucket: BUCKET });
    return { store, cleanup: () => rm(rootDir, { recursive: true, force: true }) };
  }
  const peer = await startS3Peer({
    profile: 'r2',
    checksumHeaders: 'reject',
    strictMd5: true,
    buckets: [BUCKET],
  });
  const store = new S3ObjectStore({
    bucket: BUCKET,
    endpoint: peer.endpoint,
    region: peer.region,
    accessKeyId: peer.accessKeyId,
    secretAccessKey: peer.secretAccessKey,
    forcePathStyle: true,
    maxAttempts: 3,
    partSizeBytes: 5 * 1024 * 1024,
  });
  return {
    store,
    peer,
    cleanup: async () => {
      await store.close();
      await peer.close();
    },
  };
}

export async function startRecordingsHarness(
  db: Database,
  storeKind: StoreKind,
  options: { segmentSize?: number } = {},
): Promise<RecordingsHarness> {
  // auth-svc checks the master key against the database and creates tenant keys too, so both
  // sides use the same key, as they do in one deployment.
  const auth = await buildAuthApp({
    db,
    masterKey: Buffer.from(MASTER_HEX, 'hex'),
    rateLimiter: new MemoryRateLimiter(),
    issuer: ISSUER,
    accessTokenTtlSeconds: 600,
    refreshTokenTtlSeconds: 3600,
    logLevel: 'silent',
  });
  await auth.ready();
  const jwks = (await auth.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json() as JSONWebKeySet;
  const verifier = createAccessTokenVerifier({ keys: createLocalJWKSet(jwks), issuer: ISSUER, cacheSize: 0 });
  const volumes = await localProvider();
  const storage = await createStore(storeKind);
  const phi = createPhiStore({ db, masterKeys: MasterKeyring.fromHex({ current: MASTER_HEX }) });
  let offsetMs = 0;
  const now = (): Date => new Date(Date.now() + offsetMs);

  const app = await buildSkillpodApp({
    db,
    verifyAccessToken: verifier,
    volumes: volumes.provider,
    pods: TEST_SETTINGS,
    logLevel: process.env.RECORDINGS_TEST_LOG_LEVEL ?? 'silent',
    recordings: {
      store: storage.store,
      keys: phi.keys,
      audit: phi.audit,
      settings: {
        defaultRetentionDays: RETENTION_DAYS,
        sweepIntervalMs: 0,
        segmentSize: options.segmentSize ?? SEGMENT_SIZE,
      },
      clock: now,
    },
  });
  await app.ready();
  const repository = new RecordingRepository(db, RETENTION_DAYS);

  return {
    app,
    db,
    store: storage.store,
    phi,
    storeKind,
    ...(storage.peer === undefined ? {} : { peer: storage.peer }),
    repository,
    register: () => registerUser(auth),
    async registerMember() {
      const registered = await registerUser(auth);
      await db.query("UPDATE memberships SET role = 'member' WHERE user_id = $1", [registered.userId]);
      const refreshed = await auth.inject({
        method: 'POST',
        url: '/auth/refresh',
        payload: { refreshToken: registered.refreshToken },
      });
      return { ...registered, auth: { authorization: `Bearer ${refreshed.json().accessToken as string}` } };
    },
    async readyPod(user) {
      const response = await app.inject({
        method: 'POST',
        url: '/pods',
        headers: { ...user.auth, 'idempotency-key': `key-${randomBytes(8).toString('hex')}` },
        payload: {},
      });
      const podId = response.json().id as string;
      const pod = await settledPod(app, user, podId);
      if (pod.state !== 'ready') {
        throw new Error(`pod ${podId} settled in ${pod.state}, not ready`);
      }
      return podId;
    },
    advanceDays(days) {
      offsetMs += days * DAY_MS;
    },
    now,
    sweeper: (options = {}) =>
      new RetentionSweeper({
        db,
        repository,
        store: storage.store,
        audit: phi.audit,
        logger: app.log,
        clock: now,
        intervalMs: 0,
        ...options,
      }),
    async close() {
      await app.close();
      await auth.close();
      phi.close();
      await storage.cleanup();
      await volumes.cleanup();
    },
  };
}

let counter = 0;

async function registerUser(auth: ServiceApp): Promise<RecordingUser & { refreshToken: string }> {
  counter += 1;
  const response = await auth.inject({
    method: 'POST',
    url: '/auth/register',
    payload: {
      email: `recording-user-${counter}-${randomBytes(4).toString('hex')}@example.com`,
      password: 'correct horse battery staple',
      displayName: `Recording User ${counter}`,
    },
  });
  if (response.statusCode !== 201) {
    throw new Error(`registration failed: ${response.statusCode} ${response.body}`);
  }
  const body = response.json();
  return {
    userId: body.user.id as string,
    tenantId: body.tenant.id as string,
    auth: { authorization: `Bearer ${body.accessToken as string}` },
    refreshToken: body.refreshToken as string,
  };
}

export function sha256Hex(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Sends the requests of a recorder and a viewer. */
export class RecordingClient {
  constructor(
    readonly app: SkillpodApp,
    readonly user: RecordingUser,
  ) {}

  start(podId: string, body: Record<string, unknown> = {}) {
    return this.app.inject({
      method: 'POST',
      url: `/pods/${podId}/recordings`,
      headers: this.user.auth,
      payload: body,
    });
  }

  putChunk(recordingId: string, index: number | string, body: Buffer, sha256 = sha256Hex(body)) {
    return this.app.inject({
      method: 'PUT',
      url: `/recordings/${recordingId}/chunks/${index}`,
      headers: { ...this.user.auth, 'content-type': 'application/octet-stream', 'x-content-sha256': sha256 },
      payload: body,
    });
  }

  complete(recordingId: string, body: Record<string, unknown>) {
    return this.app.inject({
      method: 'POST',
      url: `/recordings/${recordingId}/complete`,
      headers: this.user.auth,
      payload: body,
    });
  }

  get(recordingId: string) {
    return this.app.inject({ method: 'GET', url: `/recordings/${recordingId}`, headers: this.user.auth });
  }

  list(podId: string, query = '') {
    return this.app.inject({
      method: 'GET',
      url: `/pods/${podId}/recordings${query}`,
      headers: this.user.auth,
    });
  }

  stream(recordingId: string, headers: Record<string, string> = {}) {
    return this.app.inject({
      method: 'GET',
      url: `/recordings/${recordingId}/stream`,
      headers: { ...this.user.auth, ...headers },
    });
  }

  delete(recordingId: string) {
    return this.app.inject({ method: 'DELETE', url: `/recordings/${recordingId}`, headers: this.user.auth });
  }

  /** Starts a recording, uploads `chunks` in the given order of indexes and completes it. */
  async record(podId: string, chunks: Buffer[], order = chunks.map((_, index) => index)): Promise<string> {
    const started = await this.start(podId);
    if (started.statusCode !== 201) {
      throw new Error(`start failed: ${started.statusCode} ${started.body}`);
    }
    const id = started.json().id as string;
    for (const index of order) {
      const response = await this.putChunk(id, index, chunks[index] as Buffer);
      if (response.statusCode !== 201) {
        throw new Error(`chunk ${index} failed: ${response.statusCode} ${response.body}`);
      }
    }
    const completed = await this.complete(id, {
      chunkCount: chunks.length,
      durationMs: 1000 * chunks.length,
    });
    if (completed.statusCode !== 200) {
      throw new Error(`complete failed: ${completed.statusCode} ${completed.body}`);
    }
    return id;
  }
}

/** Chunks of random bytes with the given sizes. */
export function randomChunks(...sizes: number[]): Buffer[] {
  return sizes.map((size) => randomBytes(size));
}

/** Audit events of a tenant with the given action, oldest first. */
export async function auditEvents(phi: PhiStore, tenantId: string, action: string) {
  const events = await phi.audit.listEvents(tenantId, { limit: 1000 });
  return events.filter((event) => event.action === action).reverse();
}
