import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type S3Peer, startS3Peer } from '../../src/s3/index.js';
import { clientFor } from './support.js';

describe('S3 peer fault injection', () => {
  let peer: S3Peer;
  let client: S3Client;

  beforeAll(async () => {
    peer = await startS3Peer({ buckets: ['faults'] });
    client = clientFor(peer, {
      requestChecksumCalculation: 'WHEN_REQUIRED',
      maxAttempts: 3,
      retryStrategy: undefined,
      requestHandler: { connectionTimeout: 1000, socketTimeout: 500 },
    });
  });

  afterAll(async () => {
    client.destroy();
    await peer.close();
  });

  it('fails a matching request once', async () => {
    const fault = peer.injectFault({ operation: 'PutObject', key: 'once', status: 503, code: 'SlowDown' });
    await client.send(new PutObjectCommand({ Bucket: 'faults', Key: 'once', Body: 'x' }));
    expect(fault.hits).toBe(1);
    const statuses = peer.requests.filter((entry) => entry.key === 'once').map((entry) => entry.status);
    expect(statuses).toEqual([503, 200]);
  });

  it('fails a matching request every time', async () => {
    const fault = peer.injectFault({
      operation: 'PutObject',
      key: 'always',
      times: Number.POSITIVE_INFINITY,
      status: 500,
      code: 'InternalError',
    });
    await expect(
      client.send(new PutObjectCommand({ Bucket: 'faults', Key: 'always', Body: 'x' })),
    ).rejects.toMatchObject({
      name: 'InternalError',
    });
    expect(fault.hits).toBe(3);
    fault.remove();
    expect(peer.listKeys('faults')).not.toContain('always');
  });

  it('drops the connection', async () => {
    const fault = peer.injectFault({ operation: 'GetObject', action: 'drop' });
    await client.send(new PutObjectCommand({ Bucket: 'faults', Key: 'dropped', Body: 'x' }));
    const output = await client.send(new GetObjectCommand({ Bucket: 'faults', Key: 'dropped' }));
    expect(await output.Body?.transformToString()).toBe('x');
    expect(fault.hits).toBe(1);
  });

  it('stalls until the client times out', async () => {
    const fault = peer.injectFault({
      operation: 'GetObject',
      key: 'stalled',
      action: 'stall',
      times: Number.POSITIVE_INFINITY,
    });
    await client.send(new PutObjectCommand({ Bucket: 'faults', Key: 'stalled', Body: 'x' }));
    const started = Date.now();
    await expect(
      client.send(new GetObjectCommand({ Bucket: 'faults', Key: 'stalled' })),
    ).rejects.toBeDefined();
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(fault.hits).toBeGreaterThanOrEqual(1);
    fault.remove();
  });

  it('denies requests by access policy', async () => {
    peer.setAccessPolicy(({ key }) => key !== 'secret');
    try {
      await expect(
        client.send(new PutObjectCommand({ Bucket: 'faults', Key: 'secret', Body: 'x' })),
      ).rejects.toMatchObject({
        name: 'AccessDenied',
      });
    } finally {
      peer.setAccessPolicy(undefined);
    }
  });
});
