import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { crc32 } from 'node:zlib';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { SignatureV4 } from '@smithy/signature-v4';
import type { S3Peer } from '../../src/s3/index.js';

/** Creates an SDK client for the peer, with overrides such as the checksum settings. */
export function clientFor(peer: S3Peer, overrides: Partial<S3ClientConfig> = {}): S3Client {
  return new S3Client({ ...peer.clientConfig(), maxAttempts: 1, ...overrides });
}

/** SHA-256 (or HMAC-SHA256 with a secret) in the shape the SDK signer expects. */
class Sha256 {
  private hash: Hash | Hmac;

  private readonly secret: Uint8Array | string | undefined;

  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.secret =
      secret === undefined || typeof secret === 'string'
        ? secret
        : ArrayBuffer.isView(secret)
          ? new Uint8Array(secret.buffer, secret.byteOffset, secret.byteLength)
          : new Uint8Array(secret);
    this.hash = Sha256.start(this.secret);
  }

  private static start(secret: string | Uint8Array | undefined): Hash | Hmac {
    return secret === undefined ? createHash('sha256') : createHmac('sha256', secret);
  }

  update(data: Uint8Array): void {
    this.hash.update(data);
  }

  async digest(): Promise<Uint8Array> {
    return this.hash.digest();
  }

  reset(): void {
    this.hash = Sha256.start(this.secret);
  }
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface RawRequest {
  method: string;
  /** Path-style path, already percent-encoded, e.g. `/bucket/key`. */
  path: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: Buffer | string;
  /** `x-amz-content-sha256` to sign; defaults to the SHA-256 of the body. */
  payloadHash?: string;
  /** Secret to sign with; defaults to the peer's. */
  secretAccessKey?: string;
  /** Presign instead of signing the headers. */
  presign?: { expiresIn: number; signingDate?: Date };
  /** Skip signing altogether. */
  anonymous?: boolean;
}

/**
 * Sends a request built by hand, signed with the SDK's own SigV4 signer (not the peer's verifier),
 * for the cases an SDK command cannot produce.
 */
export async function sendRaw(peer: S3Peer, raw: RawRequest): Promise<RawResponse> {
  const url = new URL(peer.endpoint);
  const body = raw.body === undefined ? Buffer.alloc(0) : Buffer.from(raw.body);
  const headers: Record<string, string> = { host: url.host, ...raw.headers };
  if (raw.presign === undefined && !raw.anonymous) {
    headers['x-amz-content-sha256'] = raw.payloadHash ?? createHash('sha256').update(body).digest('hex');
  }
  if (headers['transfer-encoding'] === undefined && headers['content-length'] === undefined) {
    headers['content-length'] = String(body.length);
  }
  const signer = new SignatureV4({
    credentials: {
      accessKeyId: peer.accessKeyId,
      secretAccessKey: raw.secretAccessKey ?? peer.secretAccessKey,
    },
    region: peer.region,
    service: 's3',
    sha256: Sha256,
    uriEscapePath: false,
    applyChecksum: false,
  });
  const unsigned = {
    method: raw.method,
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path: raw.path,
    query: { ...raw.query },
    headers,
    body,
  };
  let signed: typeof unsigned | Awaited<ReturnType<typeof signer.sign>> = unsigned;
  if (raw.presign !== undefined) {
    signed = await signer.presign(unsigned, {
      expiresIn: raw.presign.expiresIn,
      ...(raw.presign.signingDate === undefined ? {} : { signingDate: raw.presign.signingDate }),
      unsignableHeaders: new Set(['content-length']),
    });
  } else if (!raw.anonymous) {
    signed = await signer.sign(unsigned, { unsignableHeaders: new Set(['transfer-encoding']) });
  }
  const query = new URLSearchParams(signed.query as Record<string, string>).toString().replace(/\+/g, '%20');
  return await new Promise<RawResponse>((resolve, reject) => {
    const outgoing = httpRequest(
      {
        method: raw.method,
        host: url.hostname,
        port: url.port,
        path: query === '' ? raw.path : `${raw.path}?${query}`,
        headers: signed.headers,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
        response.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/** Returns the `<Code>` of an S3 XML error body. */
export function errorCode(body: string): string | undefined {
  return /<Code>([^<]*)<\/Code>/.exec(body)?.[1];
}

/** Encodes bytes as an aws-chunked body with the given chunk sizes and trailer lines. */
export function awsChunked(data: Buffer, chunkSizes: readonly number[], trailer: readonly string[]): Buffer {
  const pieces: Buffer[] = [];
  let offset = 0;
  for (const size of chunkSizes) {
    const chunk = data.subarray(offset, offset + size);
    offset += size;
    pieces.push(Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n'));
  }
  pieces.push(Buffer.from('0\r\n'));
  for (const line of trailer) {
    pieces.push(Buffer.from(`${line}\r\n`));
  }
  pieces.push(Buffer.from('\r\n'));
  return Buffer.concat(pieces);
}

export function crc32Base64(data: Buffer): string {
  const digest = Buffer.alloc(4);
  digest.writeUInt32BE(crc32(data));
  return digest.toString('base64');
}
