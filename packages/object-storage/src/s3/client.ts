import { createHash } from 'node:crypto';
import { S3Client } from '@aws-sdk/client-s3';
import type { FinalizeHandlerArguments, FinalizeRequestMiddleware, MetadataBearer } from '@smithy/types';
import { ObjectStorageError } from '../errors.js';

/** Connection settings of the S3 driver; the names follow the `S3_*` environment variables. */
export interface S3ConnectionConfig {
  /** Endpoint URL, e.g. `https://<account-id>.r2.cloudflarestorage.com`. Omit for AWS S3. */
  endpoint?: string;
  /** Signing region; `auto` for R2. Defaults to `auto`. */
  region?: string;
  /** Static credentials. Without them the SDK's default credential chain is used. */
  accessKeyId?: string;
  secretAccessKey?: string;
  /** Addresses buckets as `endpoint/bucket` instead of `bucket.endpoint`; MinIO and LocalStack need it. */
  forcePathStyle?: boolean;
  /**
   * Integrity checksums the SDK adds. `when_required` (the default for any endpoint that is not AWS)
   * sends checksums only where an operation requires one. Several S3-compatible stores reject the CRC32
   * headers and aws-chunked bodies that SDK releases since January 2025 send by default.
   */
  checksums?: 'when_required' | 'when_supported';
  /** Attempts per request, including the first. Defaults to 3. */
  maxAttempts?: number;
  /** Milliseconds to wait for a TCP connection. Defaults to 5000. */
  connectionTimeoutMs?: number;
  /** Milliseconds a socket may stay idle mid-request before the attempt fails. Defaults to 60000. */
  socketTimeoutMs?: number;
  /**
   * Signs the SHA-256 of every upload body (`x-amz-content-sha256`). Off by default, which matches what
   * the SDK does for stream bodies: TLS protects the body in transit, and signing means hashing every
   * byte on both ends (SHA-256 ran at about 565 MB/s per core on the 2-core development machine).
   * Turn it on for plain-HTTP endpoints reached over a network.
   */
  signPayload?: boolean;
}

/** Returns true for AWS's own endpoints (or no endpoint, which means AWS). */
export function isAwsEndpoint(endpoint: string | undefined): boolean {
  if (endpoint === undefined) {
    return true;
  }
  return new URL(endpoint).hostname.endsWith('.amazonaws.com');
}

/**
 * Creates the SDK client with explicit checksum behaviour, timeouts and the DeleteObjects Content-MD5
 * fix. `presigning` forces `WHEN_REQUIRED`, so presigned PUT URLs never carry the CRC32 of an empty body.
 */
export function createS3Client(config: S3ConnectionConfig, options: { presigning?: boolean } = {}): S3Client {
  if (config.endpoint !== undefined && !URL.canParse(config.endpoint)) {
    throw new ObjectStorageError(
      'invalid_argument',
      `S3 endpoint "${config.endpoint}" is not a URL; set S3_ENDPOINT to e.g. https://<account-id>.r2.cloudflarestorage.com.`,
    );
  }
  if ((config.accessKeyId === undefined) !== (config.secretAccessKey === undefined)) {
    throw new ObjectStorageError(
      'invalid_argument',
      'Set both S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY (or neither, to use the default credential chain).',
    );
  }
  const checksums = options.presigning
    ? 'when_required'
    : (config.checksums ?? (isAwsEndpoint(config.endpoint) ? 'when_supported' : 'when_required'));
  const checksumSetting = checksums === 'when_required' ? 'WHEN_REQUIRED' : 'WHEN_SUPPORTED';
  const client = new S3Client({
    ...(config.endpoint === undefined ? {} : { endpoint: config.endpoint }),
    region: config.region ?? 'auto',
    forcePathStyle: config.forcePathStyle ?? false,
    ...(config.accessKeyId !== undefined && config.secretAccessKey !== undefined
      ? { credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey } }
      : {}),
    requestChecksumCalculation: checksumSetting,
    responseChecksumValidation: checksumSetting,
    maxAttempts: config.maxAttempts ?? 3,
    // The driver sends bodies of at most one part, kept in memory for retries. Waiting for
    // "100 Continue" before each part costs a round trip per part and saves little when a part is rejected.
    expectContinueHeader: false,
    requestHandler: {
      connectionTimeout: config.connectionTimeoutMs ?? 5000,
      socketTimeout: config.socketTimeoutMs ?? 60_000,
    },
  });
  if (config.signPayload !== true) {
    client.middlewareStack.addRelativeTo(unsignedUploadPayload, {
      name: 'skillancerUnsignedUploadPayload',
      relation: 'before',
      toMiddleware: 'httpSigningMiddleware',
    });
  }
  client.middlewareStack.addRelativeTo(deleteObjectsContentMd5, {
    name: 'skillancerDeleteObjectsContentMd5',
    relation: 'before',
    toMiddleware: 'httpSigningMiddleware',
  });
  return client;
}

/**
 * DeleteObjects requires an integrity header. The SDK sends `x-amz-checksum-crc32` even with
 * WHEN_REQUIRED. Stores that require Content-MD5 reject that with `MissingContentMD5`, and R2
 * rejected every `x-amz-checksum-*` header with 501 in January 2025. Content-MD5 is the
 * header the S3 API originally required for DeleteObjects, so this middleware replaces the flexible
 * checksum with it before the request is signed.
 */
const deleteObjectsContentMd5: FinalizeRequestMiddleware<object, MetadataBearer> =
  (next, context) => async (args: FinalizeHandlerArguments<object>) => {
    const request = args.request as { headers?: Record<string, string>; body?: unknown };
    if (context.commandName !== 'DeleteObjectsCommand' || request.headers === undefined) {
      return next(args);
    }
    const body = request.body;
    if (typeof body !== 'string' && !(body instanceof Uint8Array)) {
      return next(args);
    }
    for (const name of Object.keys(request.headers)) {
      const lower = name.toLowerCase();
      if (lower.startsWith('x-amz-checksum-') || lower === 'x-amz-sdk-checksum-algorithm') {
        delete request.headers[name];
      }
    }
    request.headers['content-md5'] = createHash('md5').update(body).digest('base64');
    return next(args);
  };

/** Commands whose body is object data; only these skip payload signing. */
const UPLOAD_COMMANDS = new Set(['PutObjectCommand', 'UploadPartCommand']);

/**
 * Marks upload bodies as `UNSIGNED-PAYLOAD`, so the signer does not hash them. A value set earlier
 * (an aws-chunked `STREAMING-…` mode) is kept.
 */
const unsignedUploadPayload: FinalizeRequestMiddleware<object, MetadataBearer> =
  (next, context) => async (args: FinalizeHandlerArguments<object>) => {
    const request = args.request as { headers?: Record<string, string> };
    if (
      context.commandName !== undefined &&
      UPLOAD_COMMANDS.has(context.commandName) &&
      request.headers !== undefined &&
      request.headers['x-amz-content-sha256'] === undefined
    ) {
      request.headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
    }
    return next(args);
  };
