import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createObjectStore, type ObjectStore } from '@skillancer/object-storage';
import { type S3Peer, startS3Peer } from '@skillancer/testing/s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from './support.js';

const LARGE_BYTES = 12 * 1024 * 1024;
const large = randomBytes(LARGE_BYTES);
const small = Buffer.from('small avatar bytes');

let source: S3Peer;
let target: S3Peer;
let dataDir: string;
let targetBucket = 0;

function storeOn(peer: S3Peer, bucket: string): ObjectStore {
  return createObjectStore({
    driver: 's3',
    bucket,
    endpoint: peer.endpoint,
    region: peer.region,
    accessKeyId: peer.accessKeyId,
    secretAccessKey: peer.secretAccessKey,
    forcePathStyle: true,
    partSizeBytes: 5 * 1024 * 1024,
  });
}

// Large buffers are compared by digest, because a deep equality check of 12 MiB takes minutes.
function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function readAll(store: ObjectStore, key: string): Promise<Buffer> {
  const object = await store.get(key);
  const chunks: Buffer[] = [];
  for await (const chunk of object.body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

beforeAll(async () => {
  [source, target] = await Promise.all([
    startS3Peer({ profile: 'aws', buckets: ['legacy-uploads'] }),
    startS3Peer({ profile: 'r2' }),
  ]);
  dataDir = await mkdtemp(path.join(tmpdir(), 'skillancer-migrate-'));
  const store = storeOn(source, 'legacy-uploads');
  await store.put('avatars/a.jpg', small, {
    contentType: 'image/jpeg',
    contentDisposition: 'inline; filename="a.jpg"',
    cacheControl: 'max-age=60',
    metadata: { owner: 'user-1' },
  });
  await store.put('avatars/b.bin', large, { contentType: 'application/octet-stream' });
  await store.put('avatars/empty.txt', Buffer.alloc(0), { contentType: 'text/plain' });
  await store.put('other/c.txt', Buffer.from('outside the prefix'), { contentType: 'text/plain' });
  await store.close();
}, 60_000);

afterAll(async () => {
  await Promise.all([source?.close(), target?.close(), rm(dataDir, { recursive: true, force: true })]);
});

let bucket: string;
beforeEach(async () => {
  targetBucket += 1;
  bucket = `r2-target-${targetBucket}`;
  await target.createBucket(bucket);
});

function env(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'test',
    DATA_DIR: dataDir,
    SOURCE_S3_ENDPOINT: source.endpoint,
    SOURCE_S3_REGION: source.region,
    SOURCE_S3_ACCESS_KEY_ID: source.accessKeyId,
    SOURCE_S3_SECRET_ACCESS_KEY: source.secretAccessKey,
    SOURCE_S3_FORCE_PATH_STYLE: 'true',
    SOURCE_S3_BUCKET: 'legacy-uploads',
    SOURCE_S3_PREFIX: 'avatars/',
    S3_ENDPOINT: target.endpoint,
    S3_ACCESS_KEY_ID: target.accessKeyId,
    S3_SECRET_ACCESS_KEY: target.secretAccessKey,
    S3_FORCE_PATH_STYLE: 'true',
    S3_BUCKET_UPLOADS: bucket,
    ...overrides,
  };
}

describe('skillancer storage migrate', () => {
  it('copies a prefix with headers and metadata', async () => {
    const run = await runCli(['storage', 'migrate', '--to', 'uploads'], env());
    expect(run.stderr).toContain('3 listed: 3 copied, 0 skipped, 0 failed');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Copied 3 object(s)');
    expect(target.listKeys(bucket)).toEqual(['avatars/a.jpg', 'avatars/b.bin', 'avatars/empty.txt']);

    const store = storeOn(target, bucket);
    const copy = await store.head('avatars/a.jpg');
    expect(copy?.contentType).toBe('image/jpeg');
    expect(copy?.contentDisposition).toBe('inline; filename="a.jpg"');
    expect(copy?.cacheControl).toBe('max-age=60');
    expect(copy?.metadata.owner).toBe('user-1');
    expect(await readAll(store, 'avatars/a.jpg')).toEqual(small);
    const copied = await readAll(store, 'avatars/b.bin');
    expect(sha256(copied)).toBe(sha256(large));
    await store.close();
  });

  it('verifies multipart copies by reading back', async () => {
    const run = await runCli(['storage', 'migrate', '--to', 'uploads', '--json'], env());
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as { verifiedByEtag: number; verifiedBySha256: number };
    expect(report.verifiedByEtag).toBe(2);
    expect(report.verifiedBySha256).toBe(1);
    const uploads = target.requests.filter(
      (request) => request.bucket === bucket && request.operation === 'UploadPart',
    );
    expect(uploads.length).toBe(2);
  });

  it('skips what a previous run copied', async () => {
    expect((await runCli(['storage', 'migrate', '--to', 'uploads'], env())).code).toBe(0);
    const again = await runCli(['storage', 'migrate', '--to', 'uploads', '--json'], env());
    expect(again.code).toBe(0);
    const report = JSON.parse(again.stdout) as { copied: number; skipped: number };
    expect(report).toMatchObject({ copied: 0, skipped: 3 });
  });

  it('changes nothing in a dry run', async () => {
    const run = await runCli(['storage', 'migrate', '--to', 'uploads', '--dry-run'], env());
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Dry run: 3 object(s) (12.0 MiB) would be copied, 0 are already present');
    expect(target.listKeys(bucket)).toEqual([]);
  });

  it('reports failed objects and resumes', async () => {
    const fault = target.injectFault({
      operation: 'PutObject',
      key: 'avatars/a.jpg',
      times: Number.POSITIVE_INFINITY,
      status: 500,
      code: 'InternalError',
    });
    const failing = await runCli(['storage', 'migrate', '--to', 'uploads', '--concurrency', '1'], env());
    fault.remove();
    expect(failing.code).toBe(1);
    expect(failing.stdout).toMatch(/^failed {2}avatars\/a\.jpg: .*InternalError/m);
    expect(failing.stdout).toContain('Copied 2 object(s)');
    expect(failing.stdout).toContain('1 failed');

    const resumed = await runCli(['storage', 'migrate', '--to', 'uploads', '--json'], env());
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ copied: 1, skipped: 2, failed: 0 });
  });

  it('deletes a copy whose read-back fails', async () => {
    const fault = target.injectFault({
      operation: 'GetObject',
      key: 'avatars/b.bin',
      times: Number.POSITIVE_INFINITY,
      status: 500,
      code: 'InternalError',
    });
    const failing = await runCli(['storage', 'migrate', '--to', 'uploads'], env());
    fault.remove();
    expect(failing.code).toBe(1);
    expect(failing.stdout).toMatch(
      /^failed {2}avatars\/b\.bin: verification failed, so the copy was deleted/m,
    );
    expect(target.listKeys(bucket)).toEqual(['avatars/a.jpg', 'avatars/empty.txt']);

    const resumed = await runCli(['storage', 'migrate', '--to', 'uploads', '--json'], env());
    expect(JSON.parse(resumed.stdout)).toMatchObject({ copied: 1, skipped: 2 });
  });

  it('moves keys under a target prefix', async () => {
    const run = await runCli(
      ['storage', 'migrate', '--from', 's3://legacy-uploads/avatars/a', '--to', `s3://${bucket}/moved/`],
      env(),
    );
    expect(run.code).toBe(0);
    expect(target.listKeys(bucket)).toEqual(['moved/.jpg']);
  });

  it('reads the source from an environment prefix', async () => {
    const legacy = {
      OLD_ENDPOINT: source.endpoint,
      OLD_REGION: source.region,
      OLD_ACCESS_KEY_ID: source.accessKeyId,
      OLD_SECRET_ACCESS_KEY: source.secretAccessKey,
      OLD_FORCE_PATH_STYLE: 'true',
      OLD_BUCKET: 'legacy-uploads',
      OLD_PREFIX: 'other/',
    };
    const run = await runCli(['storage', 'migrate', '--from', 'OLD', '--to', 'uploads'], env(legacy));
    expect(run.code).toBe(0);
    expect(target.listKeys(bucket)).toEqual(['other/c.txt']);
  });

  it('copies into filesystem storage', async () => {
    const run = await runCli(['storage', 'migrate', '--to', 'uploads', '--json'], env({ S3_ENDPOINT: '' }));
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ copied: 3, verifiedByEtag: 3 });
    const store = createObjectStore({ driver: 'filesystem', bucket, rootDir: path.join(dataDir, 'objects') });
    expect((await store.head('avatars/a.jpg'))?.metadata.owner).toBe('user-1');
    expect(sha256(await readAll(store, 'avatars/b.bin'))).toBe(sha256(large));
  });

  it('names a missing target bucket', async () => {
    const run = await runCli(
      ['storage', 'migrate', '--to', 'uploads'],
      env({ S3_BUCKET_UPLOADS: 'no-such-bucket' }),
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/the target is not usable: bucket missing: no-such-bucket does not exist/);
  });

  it('rejects an incomplete source', async () => {
    const run = await runCli(['storage', 'migrate', '--to', 'uploads'], env({ SOURCE_S3_BUCKET: '' }));
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('SOURCE_S3_BUCKET is missing');
    const url = await runCli(['storage', 'migrate', '--from', 's3://', '--to', 'uploads'], env());
    expect(url.code).toBe(2);
    expect(url.stderr).toContain('is not an s3://bucket/prefix URL');
  });

  it('reports rejected source credentials', async () => {
    const run = await runCli(
      ['storage', 'migrate', '--to', 'uploads'],
      env({ SOURCE_S3_SECRET_ACCESS_KEY: 'wrong' }),
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('the source is not usable: S3 credentials rejected');
    expect(run.stderr + run.stdout).not.toContain(source.secretAccessKey);
  });
});
