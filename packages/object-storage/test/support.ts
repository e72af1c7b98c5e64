import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { type S3Peer, type S3PeerOptions, startS3Peer } from '@skillancer/testing/s3';
import Fastify from 'fastify';
import {
  FilesystemObjectStore,
  type ObjectStore,
  type ObjectStoreCall,
  registerFilesystemObjectRoutes,
  S3ObjectStore,
  type S3ObjectStoreConfig,
} from '../src/index.js';

export const MIB = 1024 * 1024;
export const PRESIGN_SECRET = 'test-presign-secret-0123456789abcdef';

/** A store under test plus the controls the contract suite needs from its backend. */
export interface StoreFixture {
  name: string;
  store: ObjectStore;
  calls: ObjectStoreCall[];
  /** Moves the clock that checks presigned URLs. */
  advanceClock(milliseconds: number): void;
  close(): Promise<void>;
}

/**
 * Creates a filesystem store in a temporary directory, with its presigned URLs served by Fastify on
 * 127.0.0.1. The routes are registered before the port is known, so they use a second store on the
 * same directory and secret. Only URL signing needs the base URL.
 */
export async function filesystemFixture(): Promise<StoreFixture & { rootDir: string }> {
  const rootDir = await mkdtemp(path.join(tmpdir(), 'object-storage-'));
  let offset = 0;
  const now = (): number => Date.now() + offset;
  const routesStore = new FilesystemObjectStore({
    rootDir,
    bucket: 'contract',
    presign: { secret: PRESIGN_SECRET, baseUrl: 'http://127.0.0.1/files/contract', now },
  });
  const app = Fastify();
  await registerFilesystemObjectRoutes(app, routesStore, { prefix: '/files/contract' });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as AddressInfo).port;
  const calls: ObjectStoreCall[] = [];
  const store = new FilesystemObjectStore({
    rootDir,
    bucket: 'contract',
    presign: { secret: PRESIGN_SECRET, baseUrl: `http://127.0.0.1:${port}/files/contract`, now },
    observer: (call) => calls.push(call),
  });
  return {
    name: 'filesystem',
    rootDir,
    store,
    calls,
    advanceClock(milliseconds) {
      offset = milliseconds;
    },
    async close() {
      await app.close();
      await rm(rootDir, { recursive: true, force: true });
    },
  };
}

/** Creates an S3 store on a strict R2-profile peer that also rejects checksum headers and requires Content-MD5. */
export async function s3Fixture(
  peerOptions: S3PeerOptions = { profile: 'r2', checksumHeaders: 'reject', strictMd5: true },
  storeOptions: Partial<S3ObjectStoreConfig> = {},
): Promise<StoreFixture & { peer: S3Peer; s3Store: S3ObjectStore }> {
  const peer = await startS3Peer({ ...peerOptions, buckets: ['contract'] });
  const calls: ObjectStoreCall[] = [];
  const store = new S3ObjectStore({
    ...s3Settings(peer),
    partSizeBytes: 5 * MIB,
    ...storeOptions,
    observer: (call) => calls.push(call),
  });
  return {
    name: `s3 (${peer.profile} peer)`,
    peer,
    store,
    s3Store: store,
    calls,
    advanceClock(milliseconds) {
      peer.setClockOffset(milliseconds);
    },
    async close() {
      await store.close();
      await peer.close();
    },
  };
}

/** Store settings for a peer, as the `S3_*` variables would give them. */
export function s3Settings(peer: S3Peer, bucket = 'contract'): S3ObjectStoreConfig {
  return {
    bucket,
    endpoint: peer.endpoint,
    region: peer.region,
    accessKeyId: peer.accessKeyId,
    secretAccessKey: peer.secretAccessKey,
    forcePathStyle: true,
    maxAttempts: 3,
  };
}

/** Creates a stream of `size` deterministic bytes in chunks of `chunkSize`, with no declared length. */
export function patternStream(size: number, chunkSize = 64 * 1024): Readable {
  return Readable.from(patternChunks(size, chunkSize));
}

function* patternChunks(size: number, chunkSize: number): Generator<Buffer> {
  for (let offset = 0; offset < size; offset += chunkSize) {
    const length = Math.min(chunkSize, size - offset);
    const chunk = Buffer.allocUnsafe(length);
    for (let index = 0; index < length; index += 1) {
      chunk[index] = (offset + index) % 251;
    }
    yield chunk;
  }
}

export function patternBytes(size: number): Buffer {
  return Buffer.concat([...patternChunks(size, 1024 * 1024)]);
}

/** Creates a stream that yields `before` bytes and then fails. */
export function failingStream(before: number): Readable {
  async function* chunks(): AsyncGenerator<Buffer> {
    yield* patternChunks(before, 64 * 1024);
    throw new Error('source disk read failed');
  }
  return Readable.from(chunks());
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) {
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
