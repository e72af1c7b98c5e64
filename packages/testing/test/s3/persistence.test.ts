import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type S3Peer, type S3PeerOptions, startS3Peer } from '../../src/s3/index.js';
import { clientFor } from './support.js';

const MIB = 1024 * 1024;
const SINGLE_KEY = 'reports/2025/résumé.pdf';
const MULTIPART_KEY = 'recordings/session.webm';

let dataDir: string;
const running: Array<{ peer: S3Peer; client: S3Client }> = [];

beforeEach(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 's3-peer-persistence-'));
});

afterEach(async () => {
  for (const { peer, client } of running.splice(0)) {
    client.destroy();
    await peer.close();
  }
  await rm(dataDir, { recursive: true, force: true });
});

async function start(options: S3PeerOptions = {}): Promise<{ peer: S3Peer; client: S3Client }> {
  const peer = await startS3Peer({ buckets: ['uploads'], dataDir, ...options });
  const client = clientFor(peer, {
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  running.push({ peer, client });
  return { peer, client };
}

async function stop(started: { peer: S3Peer; client: S3Client }): Promise<void> {
  running.splice(running.indexOf(started), 1);
  started.client.destroy();
  await started.peer.close();
}

async function bytesOf(client: S3Client, bucket: string, key: string): Promise<Buffer> {
  const output = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from((await output.Body?.transformToByteArray()) ?? []);
}

/** The fields a restarted peer must return unchanged for one object. */
async function describeObject(client: S3Client, bucket: string, key: string) {
  const head = await client.send(
    new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' }),
  );
  return {
    etag: head.ETag,
    size: head.ContentLength,
    contentType: head.ContentType,
    contentDisposition: head.ContentDisposition,
    metadata: head.Metadata,
    lastModified: head.LastModified?.toISOString(),
    checksumSha256: head.ChecksumSHA256,
    partsCount: head.PartsCount,
  };
}

async function listing(client: S3Client, bucket: string) {
  const output = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
  return (output.Contents ?? []).map((entry) => ({
    key: entry.Key,
    etag: entry.ETag,
    size: entry.Size,
    lastModified: entry.LastModified?.toISOString(),
  }));
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function recordPath(bucket: string, key: string): string {
  const name = `${sha256(Buffer.from(key))}.json`;
  return path.join(dataDir, 'buckets', bucket, 'objects', name);
}

async function dataFiles(): Promise<string[]> {
  return await readdir(path.join(dataDir, 'data'));
}

async function putMultipart(client: S3Client, key: string, complete: boolean): Promise<string> {
  const created = await client.send(
    new CreateMultipartUploadCommand({
      Bucket: 'uploads',
      Key: key,
      ContentType: 'video/webm',
      Metadata: { session: '42' },
    }),
  );
  const uploadId = created.UploadId ?? '';
  const parts = [];
  for (const [index, size] of [5 * MIB, 1024].entries()) {
    const output = await client.send(
      new UploadPartCommand({
        Bucket: 'uploads',
        Key: key,
        UploadId: uploadId,
        PartNumber: index + 1,
        Body: Buffer.alloc(size, index + 1),
      }),
    );
    parts.push({ PartNumber: index + 1, ETag: output.ETag ?? '' });
  }
  if (complete) {
    await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'uploads',
        Key: key,
        UploadId: uploadId,
        MultipartUpload: { Parts: parts },
      }),
    );
  }
  return uploadId;
}

describe('S3 peer with a data directory', () => {
  it('serves the same objects after a restart', async () => {
    const first = await start();
    await first.client.send(new CreateBucketCommand({ Bucket: 'created-later' }));
    await first.client.send(
      new PutObjectCommand({ Bucket: 'uploads', Key: SINGLE_KEY, Body: 'first version' }),
    );
    await first.client.send(
      new PutObjectCommand({
        Bucket: 'uploads',
        Key: SINGLE_KEY,
        Body: 'second version',
        ContentType: 'application/pdf',
        ContentDisposition: 'attachment; filename="resume.pdf"',
        Metadata: { owner: 'tests' },
        ChecksumAlgorithm: 'SHA256',
      }),
    );
    await first.client.send(new PutObjectCommand({ Bucket: 'created-later', Key: 'empty', Body: '' }));
    await putMultipart(first.client, MULTIPART_KEY, true);
    await putMultipart(first.client, 'unfinished.webm', false);
    const before = {
      single: await describeObject(first.client, 'uploads', SINGLE_KEY),
      multipart: await describeObject(first.client, 'uploads', MULTIPART_KEY),
      empty: await describeObject(first.client, 'created-later', 'empty'),
      uploads: await listing(first.client, 'uploads'),
      createdLater: await listing(first.client, 'created-later'),
    };
    await stop(first);

    const second = await start();
    expect(second.peer.recovery).toEqual({
      buckets: 2,
      objects: 3,
      skippedRecords: [],
      removedDataFiles: 2,
    });
    expect(await describeObject(second.client, 'uploads', SINGLE_KEY)).toEqual(before.single);
    expect(await describeObject(second.client, 'uploads', MULTIPART_KEY)).toEqual(before.multipart);
    expect(await describeObject(second.client, 'created-later', 'empty')).toEqual(before.empty);
    expect(await listing(second.client, 'uploads')).toEqual(before.uploads);
    expect(await listing(second.client, 'created-later')).toEqual(before.createdLater);
    expect((await bytesOf(second.client, 'uploads', SINGLE_KEY)).toString()).toBe('second version');
    // Compared by digest, because toEqual on 5 MiB buffers takes tens of seconds.
    expect(sha256(await bytesOf(second.client, 'uploads', MULTIPART_KEY))).toBe(
      sha256(Buffer.concat([Buffer.alloc(5 * MIB, 1), Buffer.alloc(1024, 2)])),
    );
  });

  it('drops unfinished multipart uploads at restart', async () => {
    const first = await start();
    await putMultipart(first.client, 'unfinished.webm', false);
    expect(await dataFiles()).toHaveLength(2);
    await stop(first);

    const second = await start();
    expect(second.peer.recovery?.removedDataFiles).toBe(2);
    expect(await dataFiles()).toEqual([]);
    expect(second.peer.listPendingUploads()).toEqual([]);
    const uploads = await second.client.send(new ListMultipartUploadsCommand({ Bucket: 'uploads' }));
    expect(uploads.Uploads ?? []).toEqual([]);
  });

  it('forgets deleted objects and buckets', async () => {
    const first = await start();
    for (const key of ['one', 'two', 'three']) {
      await first.client.send(new PutObjectCommand({ Bucket: 'uploads', Key: key, Body: key }));
    }
    await first.client.send(new DeleteObjectCommand({ Bucket: 'uploads', Key: 'one' }));
    await first.client.send(
      new DeleteObjectsCommand({ Bucket: 'uploads', Delete: { Objects: [{ Key: 'two' }] } }),
    );
    await first.client.send(new CreateBucketCommand({ Bucket: 'short-lived' }));
    await first.client.send(new DeleteBucketCommand({ Bucket: 'short-lived' }));
    await stop(first);

    const second = await start();
    expect(second.peer.recovery?.objects).toBe(1);
    expect(second.peer.recovery?.removedDataFiles).toBe(0);
    expect(second.peer.listKeys('uploads')).toEqual(['three']);
    await expect(
      second.client.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'one' })),
    ).rejects.toMatchObject({ name: 'NoSuchKey' });
    await expect(second.client.send(new HeadBucketCommand({ Bucket: 'short-lived' }))).rejects.toMatchObject({
      $metadata: { httpStatusCode: 404 },
    });
    await expect(stat(recordPath('uploads', 'one'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await dataFiles()).toHaveLength(1);
  });

  it('skips and deletes unusable records at start', async () => {
    const first = await start();
    for (const key of ['kept', 'truncated', 'empty', 'no-data']) {
      await first.client.send(new PutObjectCommand({ Bucket: 'uploads', Key: key, Body: `${key} body` }));
    }
    await stop(first);
    const truncatedRecord = recordPath('uploads', 'truncated');
    await truncate(truncatedRecord, Math.floor((await stat(truncatedRecord)).size / 2));
    await writeFile(recordPath('uploads', 'empty'), '');
    const noData = JSON.parse(await readFile(recordPath('uploads', 'no-data'), 'utf8')) as {
      segments: Array<{ file: string }>;
    };
    await rm(path.join(dataDir, 'data', noData.segments[0]?.file ?? ''));
    // A record a killed peer had not yet renamed into place.
    await writeFile(path.join(dataDir, 'tmp', 'record-interrupted'), '{"version":1,"key":"ha');

    const second = await start();
    const skipped = second.peer.recovery?.skippedRecords ?? [];
    expect(skipped.map((entry) => entry.file).sort()).toEqual(
      [
        recordPath('uploads', 'truncated'),
        recordPath('uploads', 'empty'),
        recordPath('uploads', 'no-data'),
      ].sort(),
    );
    expect(skipped.find((entry) => entry.file === truncatedRecord)?.reason).toMatch(/not valid JSON/);
    expect(skipped.find((entry) => entry.file === recordPath('uploads', 'no-data'))?.reason).toMatch(
      /data file .* is missing/,
    );
    expect(second.peer.listKeys('uploads')).toEqual(['kept']);
    expect((await bytesOf(second.client, 'uploads', 'kept')).toString()).toBe('kept body');
    await expect(
      second.client.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'truncated' })),
    ).rejects.toMatchObject({ name: 'NoSuchKey' });
    await expect(stat(truncatedRecord)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await readdir(path.join(dataDir, 'tmp'))).toEqual([]);
    expect(await dataFiles()).toHaveLength(1);
    expect(second.peer.internalErrors).toEqual([]);
  });

  it('keeps the last of concurrent writes to one key', async () => {
    const first = await start();
    await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        first.client.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'busy', Body: `body ${index}` })),
      ),
    );
    const before = await describeObject(first.client, 'uploads', 'busy');
    const bodyBefore = (await bytesOf(first.client, 'uploads', 'busy')).toString();
    await stop(first);

    const second = await start();
    expect(await describeObject(second.client, 'uploads', 'busy')).toEqual(before);
    expect((await bytesOf(second.client, 'uploads', 'busy')).toString()).toBe(bodyBefore);
    expect(second.peer.recovery?.removedDataFiles).toBe(0);
    expect(await dataFiles()).toHaveLength(1);
  });

  it('rejects a second peer on the same directory', async () => {
    const first = await start();
    await expect(start()).rejects.toThrow(`is in use by process ${process.pid}`);
    await stop(first);
    await expect(start()).resolves.toBeDefined();
  });
});
