import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { validateBucketName } from './buckets.js';
import type { AccessPolicy, PeerState, RequestLogEntry } from './context.js';
import { type FaultHandle, FaultInjector, type FaultRule } from './faults.js';
import { PROFILES, type S3PeerProfileName } from './profiles.js';
import type { RecoveryReport } from './record-store.js';
import { handleRequest } from './router.js';
import { PeerStorage } from './storage.js';

export interface S3PeerOptions {
  /** Store behaviour to imitate. Defaults to `aws`. */
  profile?: S3PeerProfileName;
  /** Port on 127.0.0.1; 0 (the default) picks a free one. */
  port?: number;
  accessKeyId?: string;
  secretAccessKey?: string;
  /** Signing region; defaults to the profile's (`us-east-1`, or `auto` for R2). */
  region?: string;
  /** DeleteObjects must carry Content-MD5; a flexible checksum alone answers 400 MissingContentMD5. */
  strictMd5?: boolean;
  /** `reject` answers x-amz-checksum-* headers and trailers with 501, as R2 did in January 2025. */
  checksumHeaders?: 'verify' | 'reject';
  /** Minimum size of every multipart part but the last. Defaults to 5 MiB, the S3 and R2 minimum. */
  minPartSize?: number;
  /** Largest ListObjectsV2 page the peer returns, whatever max-keys asks. Defaults to 1000. */
  maxListPageSize?: number;
  /** Page size for the n-th ListObjectsV2 call; 0 returns an empty page that is still truncated. */
  listPageSize?: (call: number) => number;
  /** Buckets to create at start. */
  buckets?: readonly string[];
  /**
   * Directory for object data and for bucket and object records, kept by `close`. A peer started on
   * it again serves the same buckets and objects; multipart uploads in progress are dropped, and their
   * parts deleted, at start. Only one peer at a time may use it. By default the peer uses a fresh
   * temporary directory, keeps records in memory only and removes the directory in `close`.
   */
  dataDir?: string;
}

export interface PendingUpload {
  bucket: string;
  key: string;
  uploadId: string;
  parts: number;
  initiated: Date;
}

/** A running peer and the controls tests use. */
export interface S3Peer {
  /** `http://127.0.0.1:<port>`; use with path-style addressing. */
  readonly endpoint: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly region: string;
  readonly profile: S3PeerProfileName;
  /** Settings for `new S3Client(...)`: endpoint, region, credentials and path-style addressing. */
  clientConfig(): {
    endpoint: string;
    region: string;
    forcePathStyle: true;
    credentials: { accessKeyId: string; secretAccessKey: string };
  };
  createBucket(name: string): Promise<void>;
  /** Makes matching requests fail (once by default); see `FaultRule`. */
  injectFault(rule: FaultRule): FaultHandle;
  clearFaults(): void;
  /** Denies requests (and single DeleteObjects entries) for which the policy returns false. */
  setAccessPolicy(policy: AccessPolicy | undefined): void;
  /** Moves the peer's clock, e.g. to expire presigned URLs without waiting. */
  setClockOffset(milliseconds: number): void;
  /** Multipart uploads neither completed nor aborted, in all buckets or one. */
  listPendingUploads(bucket?: string): PendingUpload[];
  /** Keys stored in a bucket, in listing order. */
  listKeys(bucket: string): string[];
  /** Requests seen so far (the last 2000), oldest first. */
  readonly requests: readonly RequestLogEntry[];
  /** Exceptions the peer did not expect; each also answered 500 InternalError. */
  readonly internalErrors: readonly unknown[];
  /** Counts of what the peer loaded from `dataDir` at start, and the files it skipped or deleted. Undefined without `dataDir`. */
  readonly recovery: RecoveryReport | undefined;
  close(): Promise<void>;
}

/**
 * Starts a strict S3-compatible server on 127.0.0.1 for tests. It verifies Signature V4 (headers and
 * presigned URLs), decodes aws-chunked bodies and verifies their checksums, and enforces the
 * multipart, listing and conditional-request rules of the chosen profile.
 */
export async function startS3Peer(options: S3PeerOptions = {}): Promise<S3Peer> {
  const profile = PROFILES[options.profile ?? 'aws'];
  const ownsDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(tmpdir(), 's3-peer-')));
  // A directory the caller chose outlives the peer, so its records are kept on disk.
  const storage = new PeerStorage(dataDir, { persistent: !ownsDataDir });
  const recovery = await storage.init();
  const state: PeerState = {
    storage,
    profile,
    credentials: {
      accessKeyId: options.accessKeyId ?? 'PEERACCESSKEY',
      secretAccessKey: options.secretAccessKey ?? 'peer-secret-access-key',
    },
    region: options.region ?? profile.region,
    strictMd5: options.strictMd5 ?? false,
    bodyPolicy: { checksumHeaders: options.checksumHeaders ?? 'verify', maxBytes: Number.MAX_SAFE_INTEGER },
    minPartSize: options.minPartSize ?? 5 * 1024 * 1024,
    maxListPageSize: options.maxListPageSize ?? 1000,
    listPageSize: options.listPageSize,
    listCalls: 0,
    faults: new FaultInjector(),
    accessPolicy: undefined,
    clockOffsetMs: 0,
    requestLog: [],
    internalErrors: [],
  };
  try {
    for (const name of options.buckets ?? []) {
      validateBucketName(name);
      await storage.createBucket(name);
    }
  } catch (error) {
    await storage.close();
    throw error;
  }

  const server = createServer((request, response) => {
    handleRequest(state, request, response).catch((error: unknown) => {
      state.internalErrors.push(error);
      response.destroy();
    });
  });
  // Bodies of up to 5 GiB stream slowly on a busy machine; the client's timeouts apply instead.
  server.requestTimeout = 0;
  try {
    await listen(server, options.port ?? 0);
  } catch (error) {
    await storage.close();
    throw error;
  }
  const port = (server.address() as AddressInfo).port;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    accessKeyId: state.credentials.accessKeyId,
    secretAccessKey: state.credentials.secretAccessKey,
    region: state.region,
    profile: profile.name,
    clientConfig() {
      return {
        endpoint: `http://127.0.0.1:${port}`,
        region: state.region,
        forcePathStyle: true,
        credentials: { ...state.credentials },
      };
    },
    async createBucket(name) {
      validateBucketName(name);
      await storage.createBucket(name);
    },
    injectFault: (rule) => state.faults.add(rule),
    clearFaults: () => state.faults.clear(),
    setAccessPolicy(policy) {
      state.accessPolicy = policy;
    },
    setClockOffset(milliseconds) {
      state.clockOffsetMs = milliseconds;
    },
    listPendingUploads(bucketName) {
      return [...storage.buckets.values()]
        .filter((bucket) => bucketName === undefined || bucket.name === bucketName)
        .flatMap((bucket) =>
          [...bucket.uploads.values()].map((upload) => ({
            bucket: bucket.name,
            key: upload.key,
            uploadId: upload.uploadId,
            parts: upload.parts.size,
            initiated: upload.initiated,
          })),
        );
    },
    listKeys(bucketName) {
      const bucket = storage.buckets.get(bucketName);
      return bucket === undefined ? [] : storage.sortedKeys(bucket);
    },
    get requests() {
      return state.requestLog;
    },
    get internalErrors() {
      return state.internalErrors;
    },
    recovery,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await storage.close();
      if (ownsDataDir) {
        await rm(dataDir, { recursive: true, force: true });
      }
    },
  };
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}
