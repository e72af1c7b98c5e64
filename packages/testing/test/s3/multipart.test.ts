import { createHash } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import { type S3Peer, type S3PeerProfileName, startS3Peer } from '../../src/s3/index.js';
import { clientFor } from './support.js';

const MIB = 1024 * 1024;
const peers: S3Peer[] = [];
const clients: S3Client[] = [];

async function setUp(profile: S3PeerProfileName): Promise<{ peer: S3Peer; client: S3Client }> {
  const peer = await startS3Peer({ profile, buckets: ['uploads'] });
  const client = clientFor(peer, {
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  peers.push(peer);
  clients.push(client);
  return { peer, client };
}

afterEach(async () => {
  for (const client of clients.splice(0)) {
    client.destroy();
  }
  for (const peer of peers.splice(0)) {
    await peer.close();
  }
});

/** Uploads parts of the given sizes (filled with the part number) and returns their numbers and ETags. */
async function uploadParts(client: S3Client, uploadId: string, sizes: readonly number[]) {
  const parts: Array<{ PartNumber: number; ETag: string }> = [];
  for (const [index, size] of sizes.entries()) {
    const output = await client.send(
      new UploadPartCommand({
        Bucket: 'uploads',
        Key: 'big',
        UploadId: uploadId,
        PartNumber: index + 1,
        Body: Buffer.alloc(size, index + 1),
      }),
    );
    parts.push({ PartNumber: index + 1, ETag: output.ETag ?? '' });
  }
  return parts;
}

async function create(client: S3Client): Promise<string> {
  const created = await client.send(
    new CreateMultipartUploadCommand({ Bucket: 'uploads', Key: 'big', ContentType: 'video/webm' }),
  );
  return created.UploadId ?? '';
}

describe('S3 peer multipart uploads', () => {
  it('completes with an S3-style ETag', async () => {
    const { peer, client } = await setUp('aws');
    const uploadId = await create(client);
    const parts = await uploadParts(client, uploadId, [5 * MIB, 2]);
    const listed = await client.send(
      new ListPartsCommand({ Bucket: 'uploads', Key: 'big', UploadId: uploadId }),
    );
    expect(listed.Parts?.map((part) => part.Size)).toEqual([5 * MIB, 2]);
    const done = await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'uploads',
        Key: 'big',
        UploadId: uploadId,
        MultipartUpload: { Parts: parts },
      }),
    );
    const partMd5s = [Buffer.alloc(5 * MIB, 1), Buffer.alloc(2, 2)].map((data) =>
      createHash('md5').update(data).digest(),
    );
    expect(done.ETag).toBe(`"${createHash('md5').update(Buffer.concat(partMd5s)).digest('hex')}-2"`);
    const object = await client.send(
      new GetObjectCommand({ Bucket: 'uploads', Key: 'big', Range: `bytes=${5 * MIB - 1}-` }),
    );
    expect(Buffer.from((await object.Body?.transformToByteArray()) ?? [])).toEqual(Buffer.from([1, 2, 2]));
    expect(object.ContentType).toBe('video/webm');
    expect(peer.listPendingUploads()).toEqual([]);
  });

  it('rejects parts under 5 MiB before the last', async () => {
    const { client } = await setUp('aws');
    const uploadId = await create(client);
    const parts = await uploadParts(client, uploadId, [1000, 1000]);
    await expect(
      client.send(
        new CompleteMultipartUploadCommand({
          Bucket: 'uploads',
          Key: 'big',
          UploadId: uploadId,
          MultipartUpload: { Parts: parts },
        }),
      ),
    ).rejects.toMatchObject({ name: 'EntityTooSmall' });
  });

  it('requires equal part sizes on R2 only', async () => {
    for (const [profile, outcome] of [
      ['r2', 'rejected'],
      ['aws', 'accepted'],
    ] as const) {
      const { client } = await setUp(profile);
      const uploadId = await create(client);
      const parts = await uploadParts(client, uploadId, [6 * MIB, 5 * MIB, 1]);
      const completing = client.send(
        new CompleteMultipartUploadCommand({
          Bucket: 'uploads',
          Key: 'big',
          UploadId: uploadId,
          MultipartUpload: { Parts: parts },
        }),
      );
      if (outcome === 'rejected') {
        await expect(completing).rejects.toMatchObject({ name: 'InvalidPart' });
      } else {
        await expect(completing).resolves.toBeDefined();
      }
    }
  });

  it('rejects unsorted part lists except on R2', async () => {
    for (const [profile, outcome] of [
      ['aws', 'rejected'],
      ['r2', 'accepted'],
    ] as const) {
      const { client } = await setUp(profile);
      const uploadId = await create(client);
      const parts = await uploadParts(client, uploadId, [5 * MIB, 3]);
      const completing = client.send(
        new CompleteMultipartUploadCommand({
          Bucket: 'uploads',
          Key: 'big',
          UploadId: uploadId,
          MultipartUpload: { Parts: [...parts].reverse() },
        }),
      );
      if (outcome === 'rejected') {
        await expect(completing).rejects.toMatchObject({ name: 'InvalidPartOrder' });
      } else {
        await expect(completing).resolves.toBeDefined();
      }
    }
  });

  it('rejects a part with the wrong ETag', async () => {
    const { client } = await setUp('aws');
    const uploadId = await create(client);
    await uploadParts(client, uploadId, [10]);
    await expect(
      client.send(
        new CompleteMultipartUploadCommand({
          Bucket: 'uploads',
          Key: 'big',
          UploadId: uploadId,
          MultipartUpload: { Parts: [{ PartNumber: 1, ETag: '"0000"' }] },
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidPart' });
  });

  it('lists and aborts pending uploads', async () => {
    const { peer, client } = await setUp('aws');
    const uploadId = await create(client);
    await uploadParts(client, uploadId, [10]);
    const listed = await client.send(new ListMultipartUploadsCommand({ Bucket: 'uploads' }));
    expect(listed.Uploads?.map((upload) => upload.UploadId)).toEqual([uploadId]);
    expect(peer.listPendingUploads()).toMatchObject([{ key: 'big', parts: 1 }]);
    await client.send(new AbortMultipartUploadCommand({ Bucket: 'uploads', Key: 'big', UploadId: uploadId }));
    expect(peer.listPendingUploads()).toEqual([]);
    await expect(
      client.send(new AbortMultipartUploadCommand({ Bucket: 'uploads', Key: 'big', UploadId: uploadId })),
    ).rejects.toMatchObject({ name: 'NoSuchUpload' });
  });

  it('rejects part numbers outside 1 to 10000', async () => {
    const { client } = await setUp('aws');
    const uploadId = await create(client);
    await expect(
      client.send(
        new UploadPartCommand({
          Bucket: 'uploads',
          Key: 'big',
          UploadId: uploadId,
          PartNumber: 10_001,
          Body: 'x',
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidArgument' });
  });
});
