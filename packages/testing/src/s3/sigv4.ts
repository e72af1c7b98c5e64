import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { S3Error, s3Errors } from './errors.js';

/** Payload hash values that stand for a body hashed elsewhere, not a hex SHA-256. */
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
export const STREAMING_UNSIGNED_TRAILER = 'STREAMING-UNSIGNED-PAYLOAD-TRAILER';

/** S3 rejects header-signed requests whose date is more than 15 minutes from its clock. */
const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;
const MAX_PRESIGN_SECONDS = 604_800;
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface SigningContext {
  credentials: Credentials;
  /** Returns true when a credential scope's region is valid for this peer. */
  acceptsRegion: (region: string) => boolean;
  expectedRegion: string;
  now: () => number;
}

/** The outcome of a valid signature. */
export interface VerifiedRequest {
  kind: 'header' | 'presigned';
  /** The `x-amz-content-sha256` value the body must match: a hex hash or one of the special values. */
  payloadHash: string;
  signedHeaders: readonly string[];
}

/** A request as the verifier needs it: method, raw path and query, and headers with lowercase names. */
export interface RequestParts {
  method: string;
  rawPath: string;
  rawQuery: string;
  headers: IncomingMessage['headersDistinct'];
}

/**
 * Verifies AWS Signature Version 4 on the Authorization header or on presigned query parameters,
 * implemented from the published algorithm: canonical request, string to sign, HMAC-SHA256 signing
 * key derived from the secret, date, region and service. Throws the S3Error S3 would send.
 */
export function verifySignature(request: RequestParts, context: SigningContext): VerifiedRequest {
  const query = parseQuery(request.rawQuery);
  const authorization = firstHeader(request.headers, 'authorization');
  const presigned = query.some(([name]) => name === 'X-Amz-Signature' || name === 'X-Amz-Algorithm');
  if (authorization !== undefined && presigned) {
    throw s3Errors.invalidArgument(
      'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header should be specified',
    );
  }
  if (authorization !== undefined) {
    return verifyHeaderSignature(request, query, authorization, context);
  }
  if (presigned) {
    return verifyPresignedSignature(request, query, context);
  }
  throw s3Errors.accessDenied('Anonymous access is not allowed on this S3 peer; sign the request.');
}

function verifyHeaderSignature(
  request: RequestParts,
  query: Array<[string, string]>,
  authorization: string,
  context: SigningContext,
): VerifiedRequest {
  if (!authorization.startsWith('AWS4-HMAC-SHA256 ')) {
    throw s3Errors.invalidArgument(
      'Unsupported Authorization Type; only AWS4-HMAC-SHA256 (Signature Version 4) is accepted.',
      'Authorization',
      authorization.split(' ')[0],
    );
  }

  const fields = new Map<string, string>();
  for (const part of authorization.slice('AWS4-HMAC-SHA256 '.length).split(',')) {
    const separator = part.indexOf('=');
    if (separator > 0) {
      fields.set(part.slice(0, separator).trim(), part.slice(separator + 1).trim());
    }
  }
  const credential = fields.get('Credential');
  const signedHeaderList = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (credential === undefined || signedHeaderList === undefined || signature === undefined) {
    throw new S3Error(
      400,
      'AuthorizationHeaderMalformed',
      'The authorization header is malformed; it needs Credential, SignedHeaders and Signature.',
    );
  }

  const amzDate = firstHeader(request.headers, 'x-amz-date');
  if (amzDate === undefined) {
    throw s3Errors.accessDenied('AWS authentication requires a valid Date or x-amz-date header');
  }
  const time = parseAmzDate(amzDate);
  if (Math.abs(context.now() - time) > MAX_CLOCK_SKEW_MS) {
    throw new S3Error(
      403,
      'RequestTimeTooSkewed',
      'The difference between the request time and the current time is too large.',
      {
        RequestTime: amzDate,
        ServerTime: new Date(context.now()).toISOString(),
      },
    );
  }

  const scope = parseCredential(credential, amzDate, context, 400, 'AuthorizationHeaderMalformed');
  const payloadHash = firstHeader(request.headers, 'x-amz-content-sha256');
  if (payloadHash === undefined) {
    throw s3Errors.invalidRequest('Missing required header for this request: x-amz-content-sha256');
  }
  const signedHeaders = checkSignedHeaders(request, signedHeaderList, [
    'host',
    'x-amz-date',
    'x-amz-content-sha256',
  ]);
  const canonicalQuery = canonicalQueryString(query, undefined);
  compareSignature(request, context, {
    canonicalQuery,
    signedHeaders,
    payloadHash,
    amzDate,
    scope,
    signature,
  });
  return { kind: 'header', payloadHash, signedHeaders };
}

function verifyPresignedSignature(
  request: RequestParts,
  query: Array<[string, string]>,
  context: SigningContext,
): VerifiedRequest {
  const parameter = (name: string): string => {
    const values = query.filter(([key]) => key === name);
    if (values.length !== 1) {
      throw new S3Error(
        400,
        'AuthorizationQueryParametersError',
        `Query-string authentication version 4 requires exactly one ${name} parameter.`,
      );
    }
    return (values[0] as [string, string])[1];
  };
  const algorithm = parameter('X-Amz-Algorithm');
  if (algorithm !== 'AWS4-HMAC-SHA256') {
    throw new S3Error(
      400,
      'AuthorizationQueryParametersError',
      `X-Amz-Algorithm only supports "AWS4-HMAC-SHA256", not "${algorithm}".`,
    );
  }
  const amzDate = parameter('X-Amz-Date');
  const time = parseAmzDate(amzDate);
  const expires = Number(parameter('X-Amz-Expires'));
  if (!Number.isInteger(expires) || expires < 1 || expires > MAX_PRESIGN_SECONDS) {
    throw new S3Error(
      400,
      'AuthorizationQueryParametersError',
      `X-Amz-Expires must be an integer from 1 to ${MAX_PRESIGN_SECONDS} (7 days).`,
    );
  }
  const scope = parseCredential(
    parameter('X-Amz-Credential'),
    amzDate,
    context,
    400,
    'AuthorizationQueryParametersError',
  );
  const signedHeaders = checkSignedHeaders(request, parameter('X-Amz-SignedHeaders'), ['host']);
  const signature = parameter('X-Amz-Signature');
  const payloadHash = query.find(([name]) => name === 'X-Amz-Content-Sha256')?.[1] ?? UNSIGNED_PAYLOAD;
  compareSignature(request, context, {
    canonicalQuery: canonicalQueryString(query, 'X-Amz-Signature'),
    signedHeaders,
    payloadHash,
    amzDate,
    scope,
    signature,
  });
  const now = context.now();
  if (now > time + expires * 1000) {
    throw s3Errors.accessDenied('Request has expired');
  }
  if (time - now > MAX_CLOCK_SKEW_MS) {
    throw s3Errors.accessDenied('Request is not valid yet');
  }
  return { kind: 'presigned', payloadHash, signedHeaders };
}

interface SignatureInput {
  canonicalQuery: string;
  signedHeaders: readonly string[];
  payloadHash: string;
  amzDate: string;
  scope: string;
  signature: string;
}

function compareSignature(request: RequestParts, context: SigningContext, input: SignatureInput): void {
  const canonicalRequest = [
    request.method,
    canonicalUri(request.rawPath),
    input.canonicalQuery,
    `${input.signedHeaders.map((name) => `${name}:${canonicalHeaderValue(request.headers[name])}`).join('\n')}\n`,
    input.signedHeaders.join(';'),
    input.payloadHash,
  ].join('\n');
  const stringToSign = [
    'AWS4-HMAC-SHA256',
    input.amzDate,
    input.scope,
    createHash('sha256').update(canonicalRequest).digest('hex'),
  ].join('\n');
  const [date, region, service] = input.scope.split('/') as [string, string, string];
  const expected = createHmac(
    'sha256',
    signingKey(context.credentials.secretAccessKey, date, region, service),
  )
    .update(stringToSign)
    .digest('hex');
  const provided = Buffer.from(input.signature);
  const calculated = Buffer.from(expected);
  if (provided.length !== calculated.length || !timingSafeEqual(provided, calculated)) {
    throw new S3Error(
      403,
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
      {
        AWSAccessKeyId: context.credentials.accessKeyId,
        StringToSign: stringToSign,
        CanonicalRequest: canonicalRequest,
      },
    );
  }
}

/** Derives the SigV4 signing key: HMAC chain over date, region, service and "aws4_request". */
export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  const dateKey = createHmac('sha256', `AWS4${secret}`).update(date).digest();
  const regionKey = createHmac('sha256', dateKey).update(region).digest();
  const serviceKey = createHmac('sha256', regionKey).update(service).digest();
  return createHmac('sha256', serviceKey).update('aws4_request').digest();
}

function parseCredential(
  credential: string,
  amzDate: string,
  context: SigningContext,
  status: number,
  code: string,
): string {
  const parts = credential.split('/');
  if (parts.length !== 5 || parts[4] !== 'aws4_request') {
    throw new S3Error(
      status,
      code,
      `The credential "${credential}" is malformed; expected <key>/<date>/<region>/s3/aws4_request.`,
    );
  }
  const [accessKeyId, date, region, service] = parts as [string, string, string, string, string];
  if (accessKeyId !== context.credentials.accessKeyId) {
    throw new S3Error(
      403,
      'InvalidAccessKeyId',
      'The AWS Access Key Id you provided does not exist in our records.',
      {
        AWSAccessKeyId: accessKeyId,
      },
    );
  }
  if (date !== amzDate.slice(0, 8)) {
    throw new S3Error(status, code, `Invalid credential date "${date}". Date is not the same as X-Amz-Date.`);
  }
  if (!context.acceptsRegion(region)) {
    throw new S3Error(
      status,
      code,
      `The authorization header is malformed; the region '${region}' is wrong; expecting '${context.expectedRegion}'`,
      {
        Region: context.expectedRegion,
      },
    );
  }
  if (service !== 's3') {
    throw new S3Error(status, code, `The credential scope names service "${service}"; expected "s3".`);
  }
  return `${date}/${region}/${service}/aws4_request`;
}

/**
 * Checks the signed header list: sorted, lowercase, containing the required headers, naming only
 * headers that are present, and covering every `x-amz-*` header of the request, as S3 requires.
 */
function checkSignedHeaders(request: RequestParts, list: string, required: readonly string[]): string[] {
  const names = list.split(';');
  const sorted = [...names].sort();
  if (names.some((name, index) => name !== sorted[index] || name !== name.toLowerCase() || name === '')) {
    throw s3Errors.accessDenied(`SignedHeaders "${list}" must be lowercase, sorted and separated by ";".`);
  }
  for (const name of required) {
    if (!names.includes(name)) {
      throw s3Errors.accessDenied(`The ${name} header must be signed.`);
    }
  }
  const unsigned = Object.keys(request.headers).filter(
    (name) => name.startsWith('x-amz-') && !names.includes(name),
  );
  if (unsigned.length > 0) {
    throw new S3Error(
      403,
      'AccessDenied',
      'There were headers present in the request which were not signed',
      {
        HeadersNotSigned: unsigned.join(', '),
      },
    );
  }
  return names;
}

/** Parses a raw query string into decoded name/value pairs, keeping duplicates and order. */
export function parseQuery(rawQuery: string): Array<[string, string]> {
  if (rawQuery === '') {
    return [];
  }
  return rawQuery.split('&').map((pair) => {
    const separator = pair.indexOf('=');
    const name = separator < 0 ? pair : pair.slice(0, separator);
    const value = separator < 0 ? '' : pair.slice(separator + 1);
    return [decodeComponent(name, true), decodeComponent(value, true)];
  });
}

function canonicalQueryString(query: Array<[string, string]>, excluded: string | undefined): string {
  return query
    .filter(([name]) => name !== excluded)
    .map(([name, value]) => [uriEncode(name), uriEncode(value)] as const)
    .sort(([leftName, leftValue], [rightName, rightValue]) =>
      leftName === rightName ? compareAscii(leftValue, rightValue) : compareAscii(leftName, rightName),
    )
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}

/** S3 signs the path as sent, decoded once and re-encoded per segment; it does not remove dot segments. */
function canonicalUri(rawPath: string): string {
  return rawPath
    .split('/')
    .map((segment) => uriEncode(decodeComponent(segment)))
    .join('/');
}

function canonicalHeaderValue(values: string[] | undefined): string {
  return (values ?? []).map((value) => value.trim().replace(/\s+/g, ' ')).join(',');
}

/** Percent-encodes everything except the RFC 3986 unreserved characters, with uppercase hex. */
export function uriEncode(text: string): string {
  let output = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const character = String.fromCharCode(byte);
    output += /[A-Za-z0-9\-._~]/.test(character)
      ? character
      : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return output;
}

/** Decodes percent-encoding; `plusIsSpace` applies the form-encoding rule used in query strings. */
export function decodeComponent(text: string, plusIsSpace = false): string {
  try {
    return decodeURIComponent(plusIsSpace ? text.replace(/\+/g, ' ') : text);
  } catch {
    throw s3Errors.invalidArgument(`"${text}" is not valid percent-encoding.`);
  }
}

function parseAmzDate(value: string): number {
  const match = AMZ_DATE.exec(value);
  if (match === null) {
    throw s3Errors.accessDenied(`X-Amz-Date "${value}" must have the form YYYYMMDDTHHMMSSZ.`);
  }
  const [, year, month, day, hour, minute, second] = match.map(Number) as [number, ...number[]];
  return Date.UTC(year as number, (month as number) - 1, day, hour, minute, second);
}

function firstHeader(headers: RequestParts['headers'], name: string): string | undefined {
  return headers[name]?.[0];
}

function compareAscii(left: string, right: string): number {
  if (left === right) {
    return 0;
  }
  return left < right ? -1 : 1;
}
