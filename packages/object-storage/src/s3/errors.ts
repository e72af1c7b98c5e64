import { ObjectStorageError, type ObjectStorageErrorCode } from '../errors.js';

interface SdkErrorShape {
  name?: string;
  message?: string;
  code?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
}

const CODE_BY_S3_ERROR: Record<string, ObjectStorageErrorCode> = {
  NoSuchKey: 'not_found',
  NoSuchBucket: 'bucket_not_found',
  NoSuchUpload: 'upload_failed',
  AccessDenied: 'access_denied',
  InvalidAccessKeyId: 'access_denied',
  SignatureDoesNotMatch: 'access_denied',
  ExpiredToken: 'access_denied',
  AllAccessDisabled: 'access_denied',
  PreconditionFailed: 'precondition_failed',
  InvalidRange: 'invalid_range',
  NotImplemented: 'not_supported',
  KeyTooLongError: 'invalid_key',
  MetadataTooLarge: 'invalid_metadata',
  IncompleteBody: 'length_mismatch',
  SlowDown: 'unavailable',
  ServiceUnavailable: 'unavailable',
  InternalError: 'unavailable',
  RequestTimeout: 'unavailable',
  TimeoutError: 'unavailable',
};

const NETWORK_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
]);

/**
 * Translates an SDK or network error into an `ObjectStorageError`, keeping the original as `cause`.
 * `notFound` is the code for a bare 404, which a HEAD returns without an error body.
 */
export function translateS3Error(
  error: unknown,
  context: { operation: string; bucket: string; key?: string; notFound?: ObjectStorageErrorCode },
): ObjectStorageError {
  if (error instanceof ObjectStorageError) {
    return error;
  }
  const shape = (typeof error === 'object' && error !== null ? error : {}) as SdkErrorShape;
  const s3Code = shape.Code ?? shape.name ?? 'Unknown';
  const status = shape.$metadata?.httpStatusCode;
  const code = classify(s3Code, status, shape.code, context.notFound ?? 'not_found');
  const target =
    context.key === undefined
      ? `bucket "${context.bucket}"`
      : `"${context.key}" in bucket "${context.bucket}"`;
  const detail = shape.message && shape.message !== s3Code ? `${s3Code}: ${shape.message}` : s3Code;
  const statusText = status === undefined ? '' : ` (HTTP ${status})`;
  return new ObjectStorageError(
    code,
    `S3 ${context.operation} on ${target} failed with ${detail}${statusText}. ${HINTS[code]}`,
    { cause: error, ...(context.key === undefined ? {} : { key: context.key }) },
  );
}

function classify(
  s3Code: string,
  status: number | undefined,
  systemCode: string | undefined,
  notFound: ObjectStorageErrorCode,
): ObjectStorageErrorCode {
  const known = CODE_BY_S3_ERROR[s3Code];
  if (known !== undefined) {
    return known;
  }
  if (systemCode !== undefined && NETWORK_ERROR_CODES.has(systemCode)) {
    return 'unavailable';
  }
  if (status === undefined) {
    // No HTTP response at all: the connection failed or was dropped.
    return 'unavailable';
  }
  if (status === 404) {
    return notFound;
  }
  if (status === 403 || status === 401) {
    return 'access_denied';
  }
  if (status === 412 || status === 304) {
    return 'precondition_failed';
  }
  if (status === 416) {
    return 'invalid_range';
  }
  if (status === 501) {
    return 'not_supported';
  }
  if (status >= 500) {
    return 'unavailable';
  }
  return 'request_failed';
}

const HINTS: Record<ObjectStorageErrorCode, string> = {
  not_found: 'Check the key; the object does not exist.',
  bucket_not_found: 'Create the bucket or fix the bucket name setting.',
  access_denied: 'Check S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY, S3_REGION and the token permissions.',
  precondition_failed: 'The object changed; read it again before retrying.',
  invalid_key: 'Use a shorter key.',
  invalid_metadata: 'Store less metadata.',
  invalid_range: 'Request a range inside the object.',
  invalid_argument: 'Fix the argument.',
  length_mismatch: 'Send exactly the declared number of bytes.',
  invalid_token: 'Request a new URL.',
  token_expired: 'Request a new URL.',
  not_supported: 'This store does not implement the operation or one of its headers.',
  upload_failed: 'Retry the upload.',
  unavailable: 'Check S3_ENDPOINT and the network, then retry.',
  invalid_response: 'The store broke the S3 protocol; report it to the store operator.',
  request_failed: 'See the cause for the store response.',
};
