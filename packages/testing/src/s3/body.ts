import { createHash, type Hash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { Transform, type TransformCallback, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  type ChecksumAlgorithm,
  createChecksum,
  parseChecksumAlgorithm,
  type RunningChecksum,
  validateChecksumValue,
} from './checksums.js';
import { AwsChunkedDecoder } from './chunked.js';
import { S3Error, s3Errors } from './errors.js';
import { STREAMING_UNSIGNED_TRAILER, UNSIGNED_PAYLOAD } from './sigv4.js';

export interface BodyPolicy {
  /** `reject` fails any flexible checksum header or trailer with 501, as R2 did in January 2025. */
  checksumHeaders: 'verify' | 'reject';
  /** Largest body accepted, in bytes. */
  maxBytes: number;
}

export interface ReceivedBody {
  size: number;
  /** Raw MD5 digest of the decoded bytes. */
  md5: Buffer;
  /** Set when the body went to a file. */
  path?: string;
  /** Set when the body was kept in memory. */
  bytes?: Buffer;
  /** The flexible checksum the client declared and the peer verified. */
  checksum?: { algorithm: ChecksumAlgorithm; value: string };
}

interface DeclaredChecksum {
  algorithm: ChecksumAlgorithm;
  /** Undefined when the value arrives in the aws-chunked trailer. */
  value: string | undefined;
}

/**
 * Reads a request body, decoding aws-chunked framing, and verifies everything the client declared:
 * the length (Content-Length or x-amz-decoded-content-length), the signed payload SHA-256,
 * Content-MD5 and a flexible checksum from a header, a presigned query parameter or the trailer.
 * On any mismatch the partial file is deleted and the matching S3Error is thrown.
 */
export async function receiveBody(
  request: IncomingMessage,
  query: ReadonlyMap<string, string>,
  payloadHash: string,
  policy: BodyPolicy,
  destination: { file: string } | 'memory',
): Promise<ReceivedBody> {
  const streaming = payloadHash.startsWith('STREAMING-');
  if (streaming && payloadHash !== STREAMING_UNSIGNED_TRAILER) {
    throw s3Errors.notImplemented(
      `x-amz-content-sha256 "${payloadHash}" (signed aws-chunked payloads) is not implemented by this S3 peer.`,
    );
  }
  if (!streaming && payloadHash !== UNSIGNED_PAYLOAD && !/^[0-9a-f]{64}$/.test(payloadHash)) {
    throw s3Errors.invalidArgument(
      'x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER or a SHA-256 hex digest.',
      'x-amz-content-sha256',
      payloadHash,
    );
  }
  const declaredLength = declaredBodyLength(request, streaming);
  if (declaredLength > policy.maxBytes) {
    throw new S3Error(
      400,
      'EntityTooLarge',
      `Your proposed upload exceeds the maximum allowed size of ${policy.maxBytes} bytes.`,
      {
        ProposedSize: String(declaredLength),
        MaxSizeAllowed: String(policy.maxBytes),
      },
    );
  }
  const declaredChecksum = findDeclaredChecksum(request, query, streaming, policy);
  const contentMd5 = singleHeader(request, 'content-md5');
  if (contentMd5 !== undefined && !/^[A-Za-z0-9+/]{22}==$/.test(contentMd5)) {
    throw new S3Error(400, 'InvalidDigest', 'The Content-MD5 you specified was invalid.');
  }

  const decoder = streaming ? new AwsChunkedDecoder() : undefined;
  const meter = new BodyMeter(
    declaredChecksum === undefined ? undefined : createChecksum(declaredChecksum.algorithm),
    /^[0-9a-f]{64}$/.test(payloadHash) ? createHash('sha256') : undefined,
  );
  const chunks: Buffer[] = [];
  const sink =
    destination === 'memory'
      ? new Writable({
          write(chunk: Buffer, _encoding, callback) {
            chunks.push(chunk);
            callback();
          },
        })
      : createWriteStream(destination.file, { highWaterMark: 1024 * 1024 });
  try {
    if (decoder === undefined) {
      await pipeline(request, meter, sink);
    } else {
      await pipeline(request, decoder, meter, sink);
    }
  } catch (error) {
    await discard(destination);
    if (error instanceof S3Error) {
      throw error;
    }
    throw new S3Error(
      400,
      'IncompleteBody',
      'You did not provide the number of bytes specified by the Content-Length HTTP header.',
    );
  }

  try {
    if (meter.size !== declaredLength) {
      throw new S3Error(
        400,
        'IncompleteBody',
        `The body has ${meter.size} bytes but the request declared ${declaredLength}.`,
      );
    }
    const md5 = meter.md5.digest();
    if (meter.sha256 !== undefined && meter.sha256.digest('hex') !== payloadHash) {
      throw new S3Error(
        400,
        'XAmzContentSHA256Mismatch',
        "The provided 'x-amz-content-sha256' header does not match what was computed.",
        {
          ClientComputedContentSHA256: payloadHash,
        },
      );
    }
    if (contentMd5 !== undefined && md5.toString('base64') !== contentMd5) {
      throw s3Errors.badDigest('Content-MD5');
    }
    const checksum = verifyChecksum(declaredChecksum, meter, decoder);
    return {
      size: meter.size,
      md5,
      ...(destination === 'memory' ? { bytes: Buffer.concat(chunks) } : { path: destination.file }),
      ...(checksum === undefined ? {} : { checksum }),
    };
  } catch (error) {
    await discard(destination);
    throw error;
  }
}

/** Discards a request body the peer will not use, so that the connection stays usable. */
export async function drainBody(request: IncomingMessage): Promise<void> {
  if (request.readableEnded) {
    return;
  }
  await pipeline(request, new Writable({ write: (_chunk, _encoding, callback) => callback() })).catch(
    () => undefined,
  );
}

function declaredBodyLength(request: IncomingMessage, streaming: boolean): number {
  const name = streaming ? 'x-amz-decoded-content-length' : 'content-length';
  const value = request.headers[name];
  if (value === undefined) {
    throw new S3Error(
      411,
      'MissingContentLength',
      `You must provide the ${name === 'content-length' ? 'Content-Length' : 'x-amz-decoded-content-length'} HTTP header.`,
    );
  }
  const length = Number(value);
  if (!/^\d+$/.test(String(value)) || !Number.isSafeInteger(length)) {
    throw s3Errors.invalidArgument(`${name} "${String(value)}" is not a byte count.`, name, String(value));
  }
  if (
    streaming &&
    !String(request.headers['content-encoding'] ?? '')
      .split(',')
      .map((part) => part.trim())
      .includes('aws-chunked')
  ) {
    throw s3Errors.invalidArgument(
      'A STREAMING payload needs Content-Encoding: aws-chunked.',
      'Content-Encoding',
    );
  }
  return length;
}

function findDeclaredChecksum(
  request: IncomingMessage,
  query: ReadonlyMap<string, string>,
  streaming: boolean,
  policy: BodyPolicy,
): DeclaredChecksum | undefined {
  const declared: DeclaredChecksum[] = [];
  for (const [name, value] of Object.entries(request.headers)) {
    if (
      name.startsWith('x-amz-checksum-') &&
      name !== 'x-amz-checksum-type' &&
      name !== 'x-amz-checksum-mode'
    ) {
      declared.push(declare(name.slice('x-amz-checksum-'.length), String(value), policy, name));
    }
  }
  // A presigned URL can carry the checksum as a query parameter, as SDK presigners do by default.
  for (const [name, value] of query) {
    if (name.toLowerCase().startsWith('x-amz-checksum-') && name.toLowerCase() !== 'x-amz-checksum-mode') {
      declared.push(declare(name.slice('x-amz-checksum-'.length), value, policy, name));
    }
  }
  const trailer = singleHeader(request, 'x-amz-trailer');
  if (trailer !== undefined) {
    if (!streaming) {
      throw s3Errors.invalidRequest(
        'x-amz-trailer needs an aws-chunked body with STREAMING-UNSIGNED-PAYLOAD-TRAILER.',
      );
    }
    if (!trailer.startsWith('x-amz-checksum-')) {
      throw s3Errors.invalidRequest(`The trailer "${trailer}" is not a checksum.`);
    }
    declared.push(declare(trailer.slice('x-amz-checksum-'.length), undefined, policy, trailer));
  }
  if (declared.length > 1) {
    throw s3Errors.invalidRequest(
      'Expecting a single x-amz-checksum- header. Multiple checksum types are not allowed.',
    );
  }
  return declared[0];
}

function declare(
  algorithmName: string,
  value: string | undefined,
  policy: BodyPolicy,
  header: string,
): DeclaredChecksum {
  if (policy.checksumHeaders === 'reject') {
    throw s3Errors.notImplemented(`Header '${header}' with value '${value ?? '(trailer)'}' not implemented`);
  }
  const algorithm = parseChecksumAlgorithm(algorithmName);
  if (value !== undefined) {
    validateChecksumValue(algorithm, value);
  }
  return { algorithm, value };
}

function verifyChecksum(
  declared: DeclaredChecksum | undefined,
  meter: BodyMeter,
  decoder: AwsChunkedDecoder | undefined,
): { algorithm: ChecksumAlgorithm; value: string } | undefined {
  if (declared === undefined || meter.checksum === undefined) {
    return undefined;
  }
  const expected = declared.value ?? decoder?.trailers.get(`x-amz-checksum-${declared.algorithm}`);
  if (expected === undefined) {
    throw s3Errors.invalidRequest(
      `The x-amz-checksum-${declared.algorithm} trailer announced in x-amz-trailer is missing.`,
    );
  }
  validateChecksumValue(declared.algorithm, expected);
  const actual = meter.checksum.digestBase64();
  if (actual !== expected) {
    throw s3Errors.badDigest(declared.algorithm.toUpperCase());
  }
  return { algorithm: declared.algorithm, value: actual };
}

/** Counts and hashes the decoded bytes on their way to the sink. */
class BodyMeter extends Transform {
  size = 0;
  readonly md5 = createHash('md5');

  constructor(
    readonly checksum: RunningChecksum | undefined,
    readonly sha256: Hash | undefined,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.size += chunk.length;
    this.md5.update(chunk);
    this.checksum?.update(chunk);
    this.sha256?.update(chunk);
    callback(null, chunk);
  }
}

/** Returns a header's value, joining repeated headers with "," as HTTP does. */
export function singleHeader(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

async function discard(destination: { file: string } | 'memory'): Promise<void> {
  if (destination !== 'memory') {
    await rm(destination.file, { force: true });
  }
}
