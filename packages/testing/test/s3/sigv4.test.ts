import { GetObjectCommand, HeadBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type S3Peer, startS3Peer } from '../../src/s3/index.js';
import { clientFor, errorCode, sendRaw } from './support.js';

describe('S3 peer signature checks', () => {
  let peer: S3Peer;
  let client: S3Client;

  beforeAll(async () => {
    peer = await startS3Peer({ buckets: ['signed'] });
    client = clientFor(peer, { requestChecksumCalculation: 'WHEN_REQUIRED' });
    await client.send(
      new PutObjectCommand({ Bucket: 'signed', Key: 'dir/hello world+1.txt', Body: 'hello' }),
    );
  });

  afterAll(async () => {
    client.destroy();
    await peer.close();
  });

  it('accepts SDK requests with special characters in keys', async () => {
    const output = await client.send(
      new GetObjectCommand({ Bucket: 'signed', Key: 'dir/hello world+1.txt' }),
    );
    expect(await output.Body?.transformToString()).toBe('hello');
  });

  it('rejects a wrong secret with SignatureDoesNotMatch', async () => {
    const wrong = new S3Client({
      ...peer.clientConfig(),
      credentials: { accessKeyId: peer.accessKeyId, secretAccessKey: 'wrong' },
    });
    await expect(wrong.send(new HeadBucketCommand({ Bucket: 'signed' }))).rejects.toMatchObject({
      $metadata: { httpStatusCode: 403 },
    });
    const raw = await sendRaw(peer, { method: 'GET', path: '/signed/dir/x', secretAccessKey: 'wrong' });
    expect(raw.status).toBe(403);
    expect(errorCode(raw.body)).toBe('SignatureDoesNotMatch');
    expect(raw.body).toContain('<CanonicalRequest>');
    wrong.destroy();
  });

  it('rejects an unknown access key', async () => {
    const stranger = new S3Client({
      ...peer.clientConfig(),
      credentials: { accessKeyId: 'NOBODY', secretAccessKey: 'x' },
    });
    await expect(
      stranger.send(new GetObjectCommand({ Bucket: 'signed', Key: 'dir/x' })),
    ).rejects.toMatchObject({
      name: 'InvalidAccessKeyId',
    });
    stranger.destroy();
  });

  it('rejects a credential scope for another region', async () => {
    const elsewhere = new S3Client({ ...peer.clientConfig(), region: 'eu-central-1' });
    await expect(
      elsewhere.send(new GetObjectCommand({ Bucket: 'signed', Key: 'dir/x' })),
    ).rejects.toMatchObject({
      name: 'AuthorizationHeaderMalformed',
    });
    elsewhere.destroy();
  });

  it('rejects anonymous requests', async () => {
    const raw = await sendRaw(peer, { method: 'GET', path: '/signed/dir/x', anonymous: true });
    expect(raw.status).toBe(403);
    expect(errorCode(raw.body)).toBe('AccessDenied');
  });

  it('rejects unsigned x-amz headers', async () => {
    const url = await getSignedUrl(
      client,
      new GetObjectCommand({ Bucket: 'signed', Key: 'dir/hello world+1.txt' }),
      {
        expiresIn: 60,
      },
    );
    const response = await fetch(url, { headers: { 'x-amz-meta-extra': 'sneaky' } });
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('HeadersNotSigned');
  });

  it('rejects header-signed requests with a skewed clock', async () => {
    peer.setClockOffset(60 * 60 * 1000);
    try {
      await expect(client.send(new HeadBucketCommand({ Bucket: 'signed' }))).rejects.toMatchObject({
        $metadata: { httpStatusCode: 403 },
      });
      const raw = await sendRaw(peer, { method: 'GET', path: '/signed/dir/x' });
      expect(errorCode(raw.body)).toBe('RequestTimeTooSkewed');
    } finally {
      peer.setClockOffset(0);
    }
  });

  it('accepts a valid presigned GET', async () => {
    const url = await getSignedUrl(
      client,
      new GetObjectCommand({ Bucket: 'signed', Key: 'dir/hello world+1.txt' }),
      {
        expiresIn: 60,
      },
    );
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('hello');
  });

  it('rejects a presigned URL with a changed key', async () => {
    const url = await getSignedUrl(
      client,
      new GetObjectCommand({ Bucket: 'signed', Key: 'dir/hello world+1.txt' }),
      {
        expiresIn: 60,
      },
    );
    const response = await fetch(url.replace('hello%20world', 'hello%20World'));
    expect(response.status).toBe(403);
    expect(errorCode(await response.text())).toBe('SignatureDoesNotMatch');
  });

  it('rejects an expired presigned URL', async () => {
    const url = await getSignedUrl(
      client,
      new GetObjectCommand({ Bucket: 'signed', Key: 'dir/hello world+1.txt' }),
      {
        expiresIn: 60,
      },
    );
    peer.setClockOffset(61_000);
    try {
      const response = await fetch(url);
      expect(response.status).toBe(403);
      expect(await response.text()).toContain('Request has expired');
    } finally {
      peer.setClockOffset(0);
    }
  });

  it('rejects presigned URLs valid for more than 7 days', async () => {
    const url = await getSignedUrl(
      client,
      new GetObjectCommand({ Bucket: 'signed', Key: 'dir/hello world+1.txt' }),
      {
        expiresIn: 60,
      },
    );
    const response = await fetch(url.replace('X-Amz-Expires=60', 'X-Amz-Expires=604801'));
    expect(response.status).toBe(400);
    expect(errorCode(await response.text())).toBe('AuthorizationQueryParametersError');
  });
});

describe('S3 peer R2 regions', () => {
  it('accepts auto and us-east-1 on the R2 profile', async () => {
    const peer = await startS3Peer({ profile: 'r2', buckets: ['r2-bucket'] });
    try {
      for (const region of ['auto', 'us-east-1']) {
        const client = new S3Client({ ...peer.clientConfig(), region });
        await expect(client.send(new HeadBucketCommand({ Bucket: 'r2-bucket' }))).resolves.toBeDefined();
        client.destroy();
      }
      const client = new S3Client({ ...peer.clientConfig(), region: 'eu-west-1' });
      await expect(client.send(new HeadBucketCommand({ Bucket: 'r2-bucket' }))).rejects.toBeDefined();
      client.destroy();
    } finally {
      await peer.close();
    }
  });
});
