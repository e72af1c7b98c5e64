/** Stable error codes of `ObjectStorageError`; services map them to HTTP statuses. */
export type ObjectStorageErrorCode =
  /** The object does not exist. */
  | 'not_found'
  /** The bucket (or the filesystem root) does not exist. */
  | 'bucket_not_found'
  /** The store rejected the credentials or the request signature, or denied the operation. */
  | 'access_denied'
  /** An If-Match / If-None-Match condition did not hold. */
  | 'precondition_failed'
  /** The key is empty, too long, not NFC-normalizable or could escape the storage root. */
  | 'invalid_key'
  /** A metadata name or value is not portable across S3-compatible stores. */
  | 'invalid_metadata'
  /** The requested byte range lies outside the object. */
  | 'invalid_range'
  /** An option has an invalid value, for example an expiry above 7 days. */
  | 'invalid_argument'
  /** The body did not have the declared content length. */
  | 'length_mismatch'
  /** A presigned filesystem URL has a bad signature or does not match the request. */
  | 'invalid_token'
  /** A presigned filesystem URL is past its expiry. */
  | 'token_expired'
  /** The driver or the store cannot do this operation. */
  | 'not_supported'
  /** An upload failed; a multipart upload was aborted, so no object and no pending upload remain. */
  | 'upload_failed'
  /** The store could not be reached, timed out or returned a server error (5xx). */
  | 'unavailable'
  /** The store returned a response that breaks the S3 protocol, such as a truncated list without a token. */
  | 'invalid_response'
  /** The store rejected the request for a reason not listed above. */
  | 'request_failed';

/** The one error class of this package. Every driver translates its failures into it once. */
export class ObjectStorageError extends Error {
  override readonly name = 'ObjectStorageError';
  readonly code: ObjectStorageErrorCode;
  /** The object key involved, when there is one. */
  readonly key: string | undefined;

  constructor(
    code: ObjectStorageErrorCode,
    message: string,
    options: { key?: string; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.key = options.key;
  }
}

/** Returns true when `error` is an `ObjectStorageError`, optionally with the given code. */
export function isObjectStorageError(
  error: unknown,
  code?: ObjectStorageErrorCode,
): error is ObjectStorageError {
  return error instanceof ObjectStorageError && (code === undefined || error.code === code);
}

/** Creates the error for a body whose byte count differs from the declared length. */
export function lengthMismatchError(key: string, declared: number, actual: string): ObjectStorageError {
  return new ObjectStorageError(
    'length_mismatch',
    `Body for "${key}" has ${actual} bytes but contentLength says ${declared}; pass the exact length or omit it.`,
    { key },
  );
}

/** Creates the error for a caller's body stream that failed while being read. */
export function sourceStreamError(key: string, error: unknown): ObjectStorageError {
  if (error instanceof ObjectStorageError) {
    return error;
  }
  const reason = error instanceof Error ? error.message : String(error);
  return new ObjectStorageError('upload_failed', `Reading the body for "${key}" failed: ${reason}.`, {
    key,
    cause: error,
  });
}
