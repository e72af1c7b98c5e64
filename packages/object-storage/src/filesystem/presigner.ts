import { createHmac, timingSafeEqual } from 'node:crypto';
import { ObjectStorageError } from '../errors.js';
import type { PresignedRequest } from '../types.js';
import { joinKeyUrl, validateContentLength, validateExpiry } from '../urls.js';

/** Headers a presigned PUT may bind, in the order they enter the signature. */
const SIGNABLE_HEADERS = ['content-type', 'content-length', 'content-disposition'] as const;
type SignableHeader = (typeof SIGNABLE_HEADERS)[number];

export interface FilesystemPresignerOptions {
  /** HMAC-SHA256 key, at least 32 bytes. Every process serving the URLs needs the same secret. */
  secret: string | Uint8Array;
  /** Public URL where `registerFilesystemObjectRoutes` is mounted, e.g. `http://localhost:3001/files/uploads`. */
  baseUrl: string;
  /** Clock in milliseconds; tests replace it. */
  now?: () => number;
}

export interface PresignRequest {
  method: 'GET' | 'PUT';
  bucket: string;
  key: string;
  expiresInSeconds: number;
  /** PUT only: header values the uploader must send unchanged. */
  headers?: Partial<Record<SignableHeader, string>>;
}

export interface IncomingPresignedRequest {
  method: string;
  bucket: string;
  key: string;
  query: Record<string, unknown>;
  /** Request headers with lowercase names. */
  headers: Record<string, string | string[] | undefined>;
}

/**
 * Issues and checks the filesystem driver's presigned URLs: `<baseUrl>/<key>?X-Expires=…&X-Signed-Headers=…
 * &X-Signature=…`, where the signature is an HMAC-SHA256 over the method, bucket, key, expiry and the
 * values of the signed headers. Like S3's, a PUT URL binds the content type (and length and disposition
 * when given), so a URL issued for a PNG cannot upload HTML.
 */
export class FilesystemPresigner {
  private readonly secret: Buffer;
  private readonly now: () => number;

  constructor(private readonly options: FilesystemPresignerOptions) {
    this.secret = Buffer.from(options.secret);
    if (this.secret.length < 32) {
      throw new ObjectStorageError(
        'invalid_argument',
        `The presigning secret has ${this.secret.length} bytes; use at least 32 random bytes (e.g. openssl rand -hex 32).`,
      );
    }
    if (!URL.canParse(options.baseUrl)) {
      throw new ObjectStorageError(
        'invalid_argument',
        `Presigned URL base "${options.baseUrl}" is not a URL.`,
      );
    }
    this.now = options.now ?? Date.now;
  }

  sign(request: PresignRequest): PresignedRequest {
    validateExpiry(request.expiresInSeconds);
    const headers = Object.fromEntries(
      SIGNABLE_HEADERS.flatMap((name) => {
        const value = request.headers?.[name];
        return value === undefined ? [] : [[name, value]];
      }),
    ) as Record<string, string>;
    if (headers['content-length'] !== undefined) {
      validateContentLength(Number(headers['content-length']));
    }
    const expires = Math.floor(this.now() / 1000) + request.expiresInSeconds;
    const signedHeaders = Object.keys(headers);
    const signature = this.signature(
      request.method,
      request.bucket,
      request.key,
      expires,
      signedHeaders,
      headers,
    );
    const query = new URLSearchParams({
      'X-Expires': String(expires),
      ...(signedHeaders.length === 0 ? {} : { 'X-Signed-Headers': signedHeaders.join(';') }),
      'X-Signature': signature,
    });
    return {
      url: `${joinKeyUrl(this.options.baseUrl, request.key)}?${query.toString()}`,
      method: request.method,
      headers,
      expiresAt: new Date(expires * 1000),
    };
  }

  /**
   * Checks a request against its presigned URL. Throws `invalid_token` when the signature does not
   * match (including a changed header) and `token_expired` after the expiry; returns the values of the
   * signed headers.
   */
  verify(request: IncomingPresignedRequest): Partial<Record<SignableHeader, string>> {
    const expires = Number(single(request.query['X-Expires']));
    const signature = single(request.query['X-Signature']);
    const signedList = single(request.query['X-Signed-Headers']);
    const signedHeaders = signedList === undefined || signedList === '' ? [] : signedList.split(';');
    if (!Number.isSafeInteger(expires) || signature === undefined) {
      throw invalidToken('the URL lacks X-Expires or X-Signature');
    }
    if (
      !signedHeaders.every((name): name is SignableHeader =>
        (SIGNABLE_HEADERS as readonly string[]).includes(name),
      )
    ) {
      throw invalidToken(`X-Signed-Headers "${signedList}" names a header that cannot be signed`);
    }

    const values: Record<string, string> = {};
    for (const name of signedHeaders) {
      const value = request.headers[name];
      values[name] = Array.isArray(value) ? value.join(',') : (value ?? '');
    }

    const method = request.method.toUpperCase() === 'HEAD' ? 'GET' : request.method.toUpperCase();
    const expected = this.signature(method, request.bucket, request.key, expires, signedHeaders, values);
    const given = Buffer.from(signature);
    const wanted = Buffer.from(expected);
    if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) {
      throw invalidToken('the signature does not match the method, key or signed headers');
    }

    if (this.now() >= expires * 1000) {
      throw new ObjectStorageError(
        'token_expired',
        `The presigned URL expired at ${new Date(expires * 1000).toISOString()}; request a new one.`,
      );
    }
    return values;
  }

  private signature(
    method: string,
    bucket: string,
    key: string,
    expires: number,
    signedHeaders: readonly string[],
    values: Record<string, string | undefined>,
  ): string {
    const material = JSON.stringify([
      'skillancer-fs-presign-v1',
      method,
      bucket,
      key,
      expires,
      signedHeaders.map((name) => [name, values[name] ?? '']),
    ]);
    return createHmac('sha256', this.secret).update(material).digest('base64url');
  }
}

function single(value: unknown): string | undefined {
  if (Array.isArray(value)) {
    return typeof value[0] === 'string' ? value[0] : undefined;
  }
  return typeof value === 'string' ? value : undefined;
}

function invalidToken(reason: string): ObjectStorageError {
  return new ObjectStorageError('invalid_token', `Invalid presigned URL: ${reason}. Request a new URL.`);
}
