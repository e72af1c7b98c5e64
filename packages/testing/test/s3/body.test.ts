import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsChunkedDecoder } from '../../src/s3/chunked.js';
import { crc32c, type S3Peer, startS3Peer } from '../../src/s3/index.js';
import { awsChunked, clientFor, crc32Base64, errorCode, sendRaw } from './support.js';

const STREAMING = 'STREAMING-UNSIGNED-PAYLOAD-TRAILER';

describe('S3 peer request bodies', () => {
  let peer: S3Peer;
  let defaults: S3Client;

  beforeAll(async () => {
    peer = await startS3Peer({ buckets: ['bodies'] });
    // SDK defaults since January 2025: CRC32 headers for buffers, aws-chunked with a trailer for streams.
    defaults = clientFor(peer);
  });

  afterAll(async () => {
    defaults.destroy();
    await peer.close();
  });

  async function read(key: string): Promise<Buffer> {
    const output = await defaults.send(new GetObjectCommand({ Bucket: 'bodies', Key: key }));
    return Buffer.from(
      await (output.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
    );
  }

  it('decodes aws-chunked stream uploads exactly', async () => {
    const data = Buffer.alloc(300_000, 7);
    await defaults.send(
      new PutObjectCommand({
        Bucket: 'bodies',
        Key: 'streamed',
        Body: Readable.from([data]),
        ContentLength: data.length,
      }),
    );
    const sent = peer.requests.at(-1);
    expect(sent?.headers['x-amz-content-sha256']).toBe(STREAMING);
    expect(sent?.headers['x-amz-trailer']).toBe('x-amz-checksum-crc32');
    expect((await read('streamed')).equals(data)).toBe(true);
  });

  it('verifies the CRC32 header of buffer uploads', async () => {
    await defaults.send(
      new PutObjectCommand({ Bucket: 'bodies', Key: 'buffered', Body: Buffer.from('checked') }),
    );
    expect(peer.requests.at(-1)?.headers['x-amz-checksum-crc32']).toBe(crc32Base64(Buffer.from('checked')));
    const wrong = await sendRaw(peer, {
      method: 'PUT',
      path: '/bodies/wrong-crc',
      headers: { 'x-amz-checksum-crc32': crc32Base64(Buffer.from('other')) },
      body: 'checked',
    });
    expect(wrong.status).toBe(400);
    expect(errorCode(wrong.body)).toBe('BadDigest');
    expect(peer.listKeys('bodies')).not.toContain('wrong-crc');
  });

  it('rejects a wrong trailing checksum', async () => {
    const data = Buffer.alloc(10_000, 1);
    const response = await sendRaw(peer, {
      method: 'PUT',
      path: '/bodies/bad-trailer',
      payloadHash: STREAMING,
      headers: {
        'content-encoding': 'aws-chunked',
        'x-amz-decoded-content-length': String(data.length),
        'x-amz-trailer': 'x-amz-checksum-crc32',
      },
      body: awsChunked(data, [8192, 1808], [`x-amz-checksum-crc32:${crc32Base64(Buffer.from('x'))}`]),
    });
    expect(response.status).toBe(400);
    expect(errorCode(response.body)).toBe('BadDigest');
  });

  it('accepts a correct trailing CRC32C', async () => {
    const data = Buffer.from('crc32c body');
    const digest = Buffer.alloc(4);
    digest.writeUInt32BE(crc32c(data));
    const response = await sendRaw(peer, {
      method: 'PUT',
      path: '/bodies/crc32c',
      payloadHash: STREAMING,
      headers: {
        'content-encoding': 'aws-chunked',
        'x-amz-decoded-content-length': String(data.length),
        'x-amz-trailer': 'x-amz-checksum-crc32c',
      },
      body: awsChunked(data, [data.length], [`x-amz-checksum-crc32c:${digest.toString('base64')}`]),
    });
    expect(response.status).toBe(200);
    expect((await read('crc32c')).toString()).toBe('crc32c body');
  });

  it('rejects chunks under 8 KiB before the last', async () => {
    const data = Buffer.alloc(5000, 2);
    const response = await sendRaw(peer, {
      method: 'PUT',
      path: '/bodies/small-chunks',
      payloadHash: STREAMING,
      headers: { 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': String(data.length) },
      body: awsChunked(data, [1000, 4000], []),
    });
    expect(response.status).toBe(403);
    expect(errorCode(response.body)).toBe('InvalidChunkSizeError');
  });

  it('rejects a decoded length that does not match', async () => {
    const data = Buffer.alloc(100, 3);
    const response = await sendRaw(peer, {
      method: 'PUT',
      path: '/bodies/short',
      payloadHash: STREAMING,
      headers: { 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': '101' },
      body: awsChunked(data, [100], []),
    });
    expect(response.status).toBe(400);
    expect(errorCode(response.body)).toBe('IncompleteBody');
  });

  it('rejects a body that does not match its signed SHA-256', async () => {
    const response = await sendRaw(peer, {
      method: 'PUT',
      path: '/bodies/sha',
      payloadHash: createHash('sha256').update('something else').digest('hex'),
      body: 'payload',
    });
    expect(response.status).toBe(400);
    expect(errorCode(response.body)).toBe('XAmzContentSHA256Mismatch');
  });

  it('rejects a wrong Content-MD5', async () => {
    const response = await sendRaw(peer, {
      method: 'PUT',
      path: '/bodies/md5',
      headers: { 'content-md5': createHash('md5').update('other').digest('base64') },
      body: 'payload',
    });
    expect(response.status).toBe(400);
    expect(errorCode(response.body)).toBe('BadDigest');
  });

  it('rejects signed aws-chunked payloads as not implemented', async () => {
    const response = await sendRaw(peer, {
      method: 'PUT',
      path: '/bodies/signed-chunks',
      payloadHash: 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
      headers: { 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': '1' },
      body: '1;chunk-signature=00\r\na\r\n0;chunk-signature=00\r\n\r\n',
    });
    expect(response.status).toBe(501);
  });

  it('checks the checksum carried by a default presigned PUT URL', async () => {
    // With default settings the presigner signs the CRC32 of an empty body into the URL.
    const url = await getSignedUrl(
      defaults,
      new PutObjectCommand({ Bucket: 'bodies', Key: 'presigned-default' }),
      {
        expiresIn: 60,
      },
    );
    expect(url).toContain('x-amz-checksum-crc32=AAAAAA%3D%3D');
    const response = await fetch(url, { method: 'PUT', body: 'not empty' });
    expect(response.status).toBe(400);
    expect(errorCode(await response.text())).toBe('BadDigest');
  });
});

describe('S3 peer rejecting checksum headers', () => {
  it('answers 501 to checksum headers and trailers', async () => {
    const peer = await startS3Peer({ profile: 'r2', checksumHeaders: 'reject', buckets: ['plain'] });
    const defaults = clientFor(peer);
    const required = clientFor(peer, { requestChecksumCalculation: 'WHEN_REQUIRED' });
    try {
      await expect(
        defaults.send(new PutObjectCommand({ Bucket: 'plain', Key: 'a', Body: Buffer.from('x') })),
      ).rejects.toMatchObject({ name: 'NotImplemented' });
      await expect(
        defaults.send(
          new PutObjectCommand({
            Bucket: 'plain',
            Key: 'b',
            Body: Readable.from([Buffer.from('x')]),
            ContentLength: 1,
          }),
        ),
      ).rejects.toMatchObject({ name: 'NotImplemented' });
      await expect(
        required.send(new PutObjectCommand({ Bucket: 'plain', Key: 'c', Body: Buffer.from('x') })),
      ).resolves.toBeDefined();
      expect(peer.listKeys('plain')).toEqual(['c']);
    } finally {
      defaults.destroy();
      required.destroy();
      await peer.close();
    }
  });
});

describe('aws-chunked decoder', () => {
  it('computes the CRC32C check value', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
  });

  it('decodes any split of the framing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 0, maxLength: 40_000 }),
        fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 20 }),
        async (bytes, cuts) => {
          const data = Buffer.from(bytes);
          const sizes: number[] = [];
          for (let offset = 0; offset < data.length; offset += 8192) {
            sizes.push(Math.min(8192, data.length - offset));
          }
          const encoded = awsChunked(data, sizes, ['x-amz-checksum-crc32:AAAAAA==']);
          const decoder = new AwsChunkedDecoder();
          const output: Buffer[] = [];
          decoder.on('data', (chunk: Buffer) => output.push(chunk));
          let offset = 0;
          for (const cut of [...cuts, encoded.length]) {
            decoder.write(encoded.subarray(offset, offset + cut));
            offset += cut;
          }
          decoder.end();
          await new Promise((resolve) => decoder.on('finish', resolve));
          expect(Buffer.concat(output).equals(data)).toBe(true);
          expect(decoder.trailers.get('x-amz-checksum-crc32')).toBe('AAAAAA==');
        },
      ),
      { numRuns: 60 },
    );
  });
});
