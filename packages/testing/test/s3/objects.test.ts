import {
  CopyObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectAclCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type S3Peer, startS3Peer } from '../../src/s3/index.js';
import { clientFor, errorCode, sendRaw } from './support.js';

async function text(
  client: S3Client,
  input: ConstructorParameters<typeof GetObjectCommand>[0],
): Promise<string> {
  const output = await client.send(new GetObjectCommand(input));
  return (await output.Body?.transformToString()) ?? '';
}

describe('S3 peer objects', () => {
  let peer: S3Peer;
  let client: S3Client;

  beforeAll(async () => {
    peer = await startS3Peer({ buckets: ['objects'] });
    client = clientFor(peer, {
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    await client.send(
      new PutObjectCommand({
        Bucket: 'objects',
        Key: 'digits',
        Body: '0123456789',
        ContentType: 'text/plain',
        Metadata: { owner: 'tests' },
      }),
    );
  });

  afterAll(async () => {
    client.destroy();
    await peer.close();
  });

  it('serves byte ranges', async () => {
    expect(await text(client, { Bucket: 'objects', Key: 'digits', Range: 'bytes=2-4' })).toBe('234');
    expect(await text(client, { Bucket: 'objects', Key: 'digits', Range: 'bytes=7-' })).toBe('789');
    expect(await text(client, { Bucket: 'objects', Key: 'digits', Range: 'bytes=-3' })).toBe('789');
    expect(await text(client, { Bucket: 'objects', Key: 'digits', Range: 'bytes=8-100' })).toBe('89');
    const ranged = await client.send(
      new GetObjectCommand({ Bucket: 'objects', Key: 'digits', Range: 'bytes=0-0' }),
    );
    expect(ranged.ContentRange).toBe('bytes 0-0/10');
    await ranged.Body?.transformToString();
  });

  it('answers 416 past the end', async () => {
    await expect(
      client.send(new GetObjectCommand({ Bucket: 'objects', Key: 'digits', Range: 'bytes=10-' })),
    ).rejects.toMatchObject({ name: 'InvalidRange', $metadata: { httpStatusCode: 416 } });
  });

  it('evaluates read conditions', async () => {
    const head = await client.send(new HeadObjectCommand({ Bucket: 'objects', Key: 'digits' }));
    expect(head.Metadata).toEqual({ owner: 'tests' });
    expect(await text(client, { Bucket: 'objects', Key: 'digits', IfMatch: head.ETag })).toBe('0123456789');
    await expect(
      client.send(new GetObjectCommand({ Bucket: 'objects', Key: 'digits', IfMatch: '"nope"' })),
    ).rejects.toMatchObject({ $metadata: { httpStatusCode: 412 } });
    await expect(
      client.send(new GetObjectCommand({ Bucket: 'objects', Key: 'digits', IfNoneMatch: head.ETag })),
    ).rejects.toMatchObject({ $metadata: { httpStatusCode: 304 } });
  });

  it('evaluates write conditions', async () => {
    await client.send(
      new PutObjectCommand({ Bucket: 'objects', Key: 'once', Body: 'first', IfNoneMatch: '*' }),
    );
    await expect(
      client.send(new PutObjectCommand({ Bucket: 'objects', Key: 'once', Body: 'second', IfNoneMatch: '*' })),
    ).rejects.toMatchObject({ name: 'PreconditionFailed' });
    await expect(
      client.send(new PutObjectCommand({ Bucket: 'objects', Key: 'missing', Body: 'x', IfMatch: '"abc"' })),
    ).rejects.toMatchObject({ name: 'NoSuchKey' });
    expect(await text(client, { Bucket: 'objects', Key: 'once' })).toBe('first');
  });

  it('copies with metadata directives', async () => {
    await client.send(
      new CopyObjectCommand({ Bucket: 'objects', Key: 'copy', CopySource: 'objects/digits' }),
    );
    const copied = await client.send(new HeadObjectCommand({ Bucket: 'objects', Key: 'copy' }));
    expect(copied.ContentType).toBe('text/plain');
    expect(copied.Metadata).toEqual({ owner: 'tests' });
    await client.send(
      new CopyObjectCommand({
        Bucket: 'objects',
        Key: 'copy',
        CopySource: 'objects/copy',
        MetadataDirective: 'REPLACE',
        ContentType: 'application/json',
      }),
    );
    const replaced = await client.send(new HeadObjectCommand({ Bucket: 'objects', Key: 'copy' }));
    expect(replaced.ContentType).toBe('application/json');
    expect(replaced.Metadata).toEqual({});
  });

  it('rejects copying an object onto itself unchanged', async () => {
    await expect(
      client.send(new CopyObjectCommand({ Bucket: 'objects', Key: 'digits', CopySource: 'objects/digits' })),
    ).rejects.toMatchObject({ name: 'InvalidRequest' });
  });

  it('checks copy source conditions', async () => {
    await expect(
      client.send(
        new CopyObjectCommand({
          Bucket: 'objects',
          Key: 'copy2',
          CopySource: 'objects/digits',
          CopySourceIfMatch: '"nope"',
        }),
      ),
    ).rejects.toMatchObject({ $metadata: { httpStatusCode: 412 } });
  });

  it('answers errors with S3 XML bodies', async () => {
    const response = await sendRaw(peer, { method: 'GET', path: '/objects/absent' });
    expect(response.status).toBe(404);
    expect(response.headers['content-type']).toBe('application/xml');
    expect(errorCode(response.body)).toBe('NoSuchKey');
    expect(response.body).toContain('<Key>absent</Key>');
    expect(response.body).toContain('<RequestId>');
    const bucket = await sendRaw(peer, { method: 'GET', path: '/no-such-bucket/key' });
    expect(errorCode(bucket.body)).toBe('NoSuchBucket');
  });

  it('requires an integrity header on DeleteObjects', async () => {
    const body = '<Delete><Object><Key>digits</Key></Object></Delete>';
    const response = await sendRaw(peer, { method: 'POST', path: '/objects', query: { delete: '' }, body });
    expect(response.status).toBe(400);
    expect(peer.listKeys('objects')).toContain('digits');
  });
});

describe('S3 peer listing', () => {
  let peer: S3Peer;
  let client: S3Client;
  const keys = ['a/1', 'a/2', 'a/3', 'a/b/4', 'a-c', 'b/5', 'b/6'];

  beforeAll(async () => {
    // Pages: 2 keys, then an empty page, then 1 key, then 3.
    const sizes = [2, 0, 1, 3];
    peer = await startS3Peer({
      buckets: ['listing'],
      listPageSize: (call) => sizes[call % sizes.length] ?? 1,
    });
    client = clientFor(peer, { requestChecksumCalculation: 'WHEN_REQUIRED' });
    for (const key of keys) {
      await client.send(new PutObjectCommand({ Bucket: 'listing', Key: key, Body: key }));
    }
  });

  afterAll(async () => {
    client.destroy();
    await peer.close();
  });

  it('pages through short and empty pages', async () => {
    const seen: string[] = [];
    const pages: number[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(
        new ListObjectsV2Command({ Bucket: 'listing', ContinuationToken: token }),
      );
      pages.push(page.KeyCount ?? -1);
      seen.push(...(page.Contents ?? []).map((entry) => entry.Key ?? ''));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
      if (page.IsTruncated) {
        expect(token).toBeDefined();
      }
    } while (token !== undefined);
    expect(seen).toEqual(['a-c', 'a/1', 'a/2', 'a/3', 'a/b/4', 'b/5', 'b/6']);
    expect(pages).toContain(0);
  });

  it('groups keys by delimiter', async () => {
    const prefixes: string[] = [];
    const contents: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(
        new ListObjectsV2Command({
          Bucket: 'listing',
          Prefix: 'a/',
          Delimiter: '/',
          ContinuationToken: token,
        }),
      );
      prefixes.push(...(page.CommonPrefixes ?? []).map((entry) => entry.Prefix ?? ''));
      contents.push(...(page.Contents ?? []).map((entry) => entry.Key ?? ''));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    expect(contents).toEqual(['a/1', 'a/2', 'a/3']);
    expect(prefixes).toEqual(['a/b/']);
  });

  it('caps pages at the maximum page size', async () => {
    const capped = await startS3Peer({ buckets: ['capped'], maxListPageSize: 2 });
    const cappedClient = clientFor(capped, { requestChecksumCalculation: 'WHEN_REQUIRED' });
    try {
      for (const key of ['k1', 'k2', 'k3']) {
        await cappedClient.send(new PutObjectCommand({ Bucket: 'capped', Key: key, Body: key }));
      }
      const first = await cappedClient.send(new ListObjectsV2Command({ Bucket: 'capped', MaxKeys: 1000 }));
      expect(first.KeyCount).toBe(2);
      expect(first.IsTruncated).toBe(true);
      const second = await cappedClient.send(
        new ListObjectsV2Command({ Bucket: 'capped', ContinuationToken: first.NextContinuationToken }),
      );
      expect(second.Contents?.map((entry) => entry.Key)).toEqual(['k3']);
      expect(second.IsTruncated).toBe(false);
    } finally {
      cappedClient.destroy();
      await capped.close();
    }
  });

  it('rejects a forged continuation token', async () => {
    await expect(
      client.send(new ListObjectsV2Command({ Bucket: 'listing', ContinuationToken: 'garbage' })),
    ).rejects.toMatchObject({ name: 'InvalidArgument' });
  });
});

describe('S3 peer profiles', () => {
  it('normalizes keys to NFC on R2 only', async () => {
    const composed = 'caf\u00e9';
    const decomposed = 'cafe\u0301';
    for (const [profile, expected] of [
      ['r2', [composed]],
      ['aws', [decomposed, composed].sort()],
    ] as const) {
      const peer = await startS3Peer({ profile, buckets: ['names'] });
      const client = clientFor(peer, { requestChecksumCalculation: 'WHEN_REQUIRED' });
      try {
        await client.send(new PutObjectCommand({ Bucket: 'names', Key: composed, Body: 'one' }));
        await client.send(new PutObjectCommand({ Bucket: 'names', Key: decomposed, Body: 'two' }));
        expect([...peer.listKeys('names')].sort()).toEqual(expected);
      } finally {
        client.destroy();
        await peer.close();
      }
    }
  });

  it('answers ACLs with NotImplemented on R2', async () => {
    const peer = await startS3Peer({ profile: 'r2', buckets: ['acl'] });
    const client = clientFor(peer, { requestChecksumCalculation: 'WHEN_REQUIRED' });
    try {
      await expect(
        client.send(new PutObjectCommand({ Bucket: 'acl', Key: 'k', Body: 'x', ACL: 'public-read' })),
      ).rejects.toMatchObject({ name: 'NotImplemented', $metadata: { httpStatusCode: 501 } });
      await expect(
        client.send(new PutObjectAclCommand({ Bucket: 'acl', Key: 'k', ACL: 'private' })),
      ).rejects.toMatchObject({ $metadata: { httpStatusCode: 501 } });
      await expect(
        client.send(new PutObjectCommand({ Bucket: 'acl', Key: 'k', Body: 'x', IfMatch: '"abc"' })),
      ).rejects.toMatchObject({ $metadata: { httpStatusCode: 412 } });
    } finally {
      client.destroy();
      await peer.close();
    }
  });

  it('requires Content-MD5 on DeleteObjects with strict MD5', async () => {
    const peer = await startS3Peer({ strictMd5: true, buckets: ['md5'] });
    const client = clientFor(peer, { requestChecksumCalculation: 'WHEN_REQUIRED' });
    try {
      await client.send(new PutObjectCommand({ Bucket: 'md5', Key: 'k', Body: 'x' }));
      await expect(
        client.send(new DeleteObjectsCommand({ Bucket: 'md5', Delete: { Objects: [{ Key: 'k' }] } })),
      ).rejects.toMatchObject({ name: 'MissingContentMD5' });
      expect(peer.listKeys('md5')).toEqual(['k']);
    } finally {
      client.destroy();
      await peer.close();
    }
  });
});
