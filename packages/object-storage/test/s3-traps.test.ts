import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AbortMultipartUploadCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { type S3Peer, startS3Peer } from '@skillancer/testing/s3';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { isObjectStorageError, type ObjectStorageError, S3ObjectStore } from '../src/index.js';
import { failingStream, MIB, patternBytes, patternStream, readAll, s3Settings } from './support.js';

async function failure(promise: Promise<unknown>): Promise<ObjectStorageError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(isObjectStorageError(error), `expected an ObjectStorageError, got ${String(error)}`).toBe(true);
  return error as ObjectStorageError;
}

describe('S3 driver against a store that rejects SDK default checksums', () => {
  let peer: S3Peer;
  let store: S3ObjectStore;

  beforeAll(async () => {
    // R2 in January 2025 rejected any x-amz-checksum-* header or trailer with 501, and MD5 was required.
    peer = await startS3Peer({
      profile: 'r2',
      checksumHeaders: 'reject',
      strictMd5: true,
      buckets: ['strict'],
    });
    store = new S3ObjectStore({ ...s3Settings(peer, 'strict'), partSizeBytes: 5 * MIB });
  });

  afterAll(async () => {
    await store.close();
    await peer.close();
  });

  it('fails with SDK default settings', async () => {
    const defaults = new S3Client({ ...peer.clientConfig(), maxAttempts: 1 });
    await expect(
      defaults.send(new PutObjectCommand({ Bucket: 'strict', Key: 'k', Body: 'x' })),
    ).rejects.toMatchObject({
      name: 'NotImplemented',
    });
    defaults.destroy();
  });

  it('uploads buffers, streams and batches', async () => {
    await store.put('buffer', Buffer.from('x'));
    await store.put('multipart', patternStream(11 * MIB));
    const result = await store.deleteMany(['buffer', 'multipart']);
    expect(result).toEqual({ deleted: ['buffer', 'multipart'], failed: [] });
    const sent = peer.requests.filter((entry) => entry.status < 300);
    expect(
      sent.some((entry) => Object.keys(entry.headers).some((name) => name.startsWith('x-amz-checksum-'))),
    ).toBe(false);
    const batch = sent.find((entry) => entry.operation === 'DeleteObjects');
    expect(batch?.headers['content-md5']).toMatch(/^[A-Za-z0-9+/]{22}==$/);
  });

  it('presigns PUT URLs without an empty-body checksum', async () => {
    const defaults = new S3Client({ ...peer.clientConfig() });
    const sdkDefaultUrl = await getSignedUrl(defaults, new PutObjectCommand({ Bucket: 'strict', Key: 'p' }), {
      expiresIn: 60,
    });
    defaults.destroy();
    expect(sdkDefaultUrl).toContain('x-amz-checksum-crc32');
    const upload = await store.presignedPutUrl('p', { expiresInSeconds: 60, contentType: 'image/webp' });
    expect(upload.url).not.toContain('x-amz-checksum');
    expect(upload.url).not.toContain('x-amz-sdk-checksum-algorithm');
    expect(new URL(upload.url).searchParams.get('X-Amz-SignedHeaders')).toBe('content-type;host');
    const response = await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: 'RIFF' });
    expect(response.status).toBe(200);
  });
});

describe('S3 driver multipart failures', () => {
  let peer: S3Peer;
  let store: S3ObjectStore;

  beforeAll(async () => {
    peer = await startS3Peer({ profile: 'r2', buckets: ['uploads'] });
    store = new S3ObjectStore({ ...s3Settings(peer, 'uploads'), partSizeBytes: 5 * MIB, queueSize: 2 });
  });

  afterEach(() => {
    peer.clearFaults();
  });

  afterAll(async () => {
    await store.close();
    await peer.close();
  });

  function expectNothingLeft(key: string): void {
    expect(peer.listKeys('uploads')).not.toContain(key);
    expect(peer.listPendingUploads('uploads')).toEqual([]);
  }

  it('aborts when a part keeps failing', async () => {
    const fault = peer.injectFault({
      operation: 'UploadPart',
      partNumber: 2,
      status: 500,
      code: 'InternalError',
      times: Number.POSITIVE_INFINITY,
    });
    const error = await failure(store.put('part-fails', patternStream(16 * MIB)));
    expect(error.code).toBe('unavailable');
    expect(error.message).toContain('aborted');
    expect(fault.hits).toBe(3);
    expectNothingLeft('part-fails');
  });

  it('aborts when the source stream fails', async () => {
    const error = await failure(store.put('source-fails', failingStream(12 * MIB)));
    expect(error.code).toBe('upload_failed');
    expect(error.message).toContain('source disk read failed');
    expectNothingLeft('source-fails');
  });

  it('aborts when the declared length is wrong', async () => {
    const tooShort = await failure(store.put('short', patternStream(11 * MIB), { contentLength: 12 * MIB }));
    expect(tooShort.code).toBe('length_mismatch');
    const tooLong = await failure(store.put('long', patternStream(11 * MIB), { contentLength: 10 * MIB }));
    expect(tooLong.code).toBe('length_mismatch');
    expectNothingLeft('short');
    expectNothingLeft('long');
  });

  it('aborts when completing fails', async () => {
    peer.injectFault({
      operation: 'CompleteMultipartUpload',
      status: 500,
      code: 'InternalError',
      times: Number.POSITIVE_INFINITY,
    });
    const error = await failure(store.put('complete-fails', patternStream(11 * MIB)));
    expect(error.code).toBe('unavailable');
    expectNothingLeft('complete-fails');
  });

  it('reports an upload left pending when aborting fails', async () => {
    peer.injectFault({
      operation: 'UploadPart',
      partNumber: 1,
      status: 403,
      code: 'AccessDenied',
      times: Number.POSITIVE_INFINITY,
    });
    peer.injectFault({
      operation: 'AbortMultipartUpload',
      status: 500,
      code: 'InternalError',
      times: Number.POSITIVE_INFINITY,
    });
    const error = await failure(store.put('abort-fails', patternStream(11 * MIB)));
    expect(error.code).toBe('access_denied');
    expect(error.message).toContain('stays pending');
    const pending = peer.listPendingUploads('uploads');
    expect(pending.map((upload) => upload.key)).toEqual(['abort-fails']);

    peer.clearFaults();
    // Clean up with a raw abort so later tests start from an empty bucket.
    const client = new S3Client(peer.clientConfig());
    await client.send(
      new AbortMultipartUploadCommand({
        Bucket: 'uploads',
        Key: 'abort-fails',
        UploadId: pending[0]?.uploadId,
      }),
    );
    client.destroy();
  });

  it('uploads equal parts that R2 accepts', async () => {
    const size = 16 * MIB + 5;
    await store.put('equal-parts', patternStream(size, 100_000));
    const object = await store.get('equal-parts');
    expect((await readAll(object.body)).equals(patternBytes(size))).toBe(true);
    expect(object.etag).toMatch(/-4$/);
  });

  it('reuses at most queueSize part buffers', async () => {
    const size = 40 * MIB + 5;
    const allocate = vi.spyOn(Buffer, 'allocUnsafe');
    let partBuffers: number;
    try {
      await store.put('pooled-parts', patternStream(size, 100_000));
      partBuffers = allocate.mock.calls.filter(([bytes]) => bytes === 5 * MIB).length;
    } finally {
      allocate.mockRestore();
    }

    expect((await store.head('pooled-parts'))?.etag).toMatch(/-9$/);
    // queueSize is 2 here: a 9-part upload allocates two part buffers and reuses them.
    expect(partBuffers).toBe(2);
  });
});

describe('S3 driver retries', () => {
  let peer: S3Peer;
  let store: S3ObjectStore;

  beforeAll(async () => {
    peer = await startS3Peer({ buckets: ['retries'] });
    store = new S3ObjectStore({
      ...s3Settings(peer, 'retries'),
      partSizeBytes: 5 * MIB,
      socketTimeoutMs: 400,
      connectionTimeoutMs: 1000,
    });
  });

  afterEach(() => {
    peer.clearFaults();
  });

  afterAll(async () => {
    await store.close();
    await peer.close();
  });

  it('retries a failed part from its buffer', async () => {
    const fault = peer.injectFault({ operation: 'UploadPart', partNumber: 2, status: 503, code: 'SlowDown' });
    await store.put('part-retried', patternStream(11 * MIB));
    expect(fault.hits).toBe(1);
    const object = await store.get('part-retried');
    expect((await readAll(object.body)).equals(patternBytes(11 * MIB))).toBe(true);
  });

  it('retries a small stream upload', async () => {
    const fault = peer.injectFault({ operation: 'PutObject', status: 500, code: 'InternalError' });
    await store.put('small-retried', patternStream(1000));
    expect(fault.hits).toBe(1);
    expect((await store.head('small-retried'))?.size).toBe(1000);
  });

  it('retries after a dropped connection', async () => {
    const fault = peer.injectFault({ operation: 'UploadPart', partNumber: 1, action: 'drop' });
    await store.put('dropped', patternStream(6 * MIB));
    expect(fault.hits).toBe(1);
    expect((await store.head('dropped'))?.size).toBe(6 * MIB);
  });

  it('fails fast when the store stalls', async () => {
    peer.injectFault({ operation: 'PutObject', action: 'stall', times: Number.POSITIVE_INFINITY });
    const started = Date.now();
    const error = await failure(store.put('stalled', patternStream(1000)));
    expect(error.code).toBe('unavailable');
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe('S3 driver listing', () => {
  it('follows short and empty pages to the end', async () => {
    const sizes = [1, 0, 0, 2, 0, 3];
    const peer = await startS3Peer({
      buckets: ['pages'],
      listPageSize: (call) => sizes[call % sizes.length] ?? 1,
    });
    const store = new S3ObjectStore(s3Settings(peer, 'pages'));
    try {
      const keys = Array.from({ length: 13 }, (_, index) => `page/${String(index).padStart(2, '0')}`);
      for (const key of keys) {
        await store.put(key, Buffer.from(key));
      }
      const listed: string[] = [];
      for await (const entry of store.list('page/')) {
        listed.push(entry.key);
      }
      expect(listed).toEqual(keys);
      const pageRequests = peer.requests.filter((entry) => entry.operation === 'ListObjectsV2');
      expect(pageRequests.length).toBeGreaterThan(keys.length / 2);
    } finally {
      await store.close();
      await peer.close();
    }
  });

  it('stops on a truncated page without a token', async () => {
    // A broken store, which the strict peer cannot imitate: it claims more pages but gives no token.
    const server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/xml' });
      response.end(
        '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>broken</Name><KeyCount>1</KeyCount><IsTruncated>true</IsTruncated><Contents><Key>a</Key><Size>1</Size><ETag>"x"</ETag></Contents></ListBucketResult>',
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const store = new S3ObjectStore({
      bucket: 'broken',
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      accessKeyId: 'x',
      secretAccessKey: 'y',
      forcePathStyle: true,
    });
    try {
      const listed: string[] = [];
      const error = await failure(
        (async () => {
          for await (const entry of store.list('')) {
            listed.push(entry.key);
          }
        })(),
      );
      expect(error.code).toBe('invalid_response');
      expect(listed).toEqual(['a']);
    } finally {
      await store.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('S3 driver batch deletes', () => {
  it('reports per-key failures in batches of 1000', async () => {
    const peer = await startS3Peer({ strictMd5: true, buckets: ['batches'] });
    const store = new S3ObjectStore(s3Settings(peer, 'batches'));
    try {
      await store.put('keep/locked', Buffer.from('x'));
      await store.put('drop/me', Buffer.from('x'));
      peer.setAccessPolicy(
        ({ operation, key }) => !(operation === 'DeleteObject' && key?.startsWith('keep/')),
      );
      const missing = Array.from({ length: 1500 }, (_, index) => `missing/${index}`);
      const result = await store.deleteMany(['keep/locked', 'drop/me', ...missing]);
      expect(result.failed).toEqual([
        { key: 'keep/locked', code: 'access_denied', message: 'AccessDenied: Access Denied' },
      ]);
      expect(result.deleted).toHaveLength(1501);
      expect(peer.requests.filter((entry) => entry.operation === 'DeleteObjects')).toHaveLength(2);
      expect(peer.listKeys('batches')).toEqual(['keep/locked']);
    } finally {
      await store.close();
      await peer.close();
    }
  });
});

describe('S3 driver errors', () => {
  let peer: S3Peer;

  beforeAll(async () => {
    peer = await startS3Peer({ buckets: ['errors'] });
  });

  afterAll(async () => {
    await peer.close();
  });

  it('translates credential failures', async () => {
    const store = new S3ObjectStore({ ...s3Settings(peer, 'errors'), secretAccessKey: 'wrong' });
    const error = await failure(store.put('k', Buffer.from('x')));
    expect(error.code).toBe('access_denied');
    expect(error.cause).toBeDefined();
    await expect(store.checkBucket()).rejects.toMatchObject({ code: 'access_denied' });
    await store.close();
  });

  it('translates a missing bucket', async () => {
    const store = new S3ObjectStore(s3Settings(peer, 'no-such-bucket'));
    await expect(store.checkBucket()).rejects.toMatchObject({ code: 'bucket_not_found' });
    expect((await failure(store.put('k', Buffer.from('x')))).code).toBe('bucket_not_found');
    const listing = (async () => {
      for await (const _entry of store.list('')) {
        // Listing must fail before yielding anything.
      }
    })();
    expect((await failure(listing)).code).toBe('bucket_not_found');
    await store.close();
  });

  it('translates an unreachable endpoint', async () => {
    const closed = await startS3Peer();
    const settings = s3Settings(closed, 'errors');
    await closed.close();
    const store = new S3ObjectStore({ ...settings, maxAttempts: 1 });
    expect((await failure(store.head('k'))).code).toBe('unavailable');
    await store.close();
  });

  it('returns CDN URLs when configured', async () => {
    const store = new S3ObjectStore({
      ...s3Settings(peer, 'errors'),
      cdnUrl: 'https://cdn.example.com/uploads/',
    });
    expect(await store.readUrl('tenant/a b/c.webp', { expiresInSeconds: 60 })).toBe(
      'https://cdn.example.com/uploads/tenant/a%20b/c.webp',
    );
    await store.close();
  });

  it('rejects part sizes under 5 MiB', () => {
    expect(() => new S3ObjectStore({ ...s3Settings(peer, 'errors'), partSizeBytes: MIB })).toThrow(/5 MiB/);
  });
});
