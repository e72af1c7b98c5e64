/**
 * Stable error codes of this package. Services map them to HTTP statuses, so a code is never
 * renamed or reused for another meaning.
 */
export type PhiStoreErrorCode =
  /** A call got an invalid argument, such as a tenant id that is not a UUID where one is needed. */
  | 'invalid_argument'
  /** The configured master keys match none of the stored key check values. */
  | 'master_key_mismatch'
  /** The audit event could not be stored, so the audited operation must not proceed. */
  | 'audit_write_failed'
  /** The tenant already has a pending shred request. */
  | 'shred_request_exists'
  /** No pending shred request matches. */
  | 'shred_request_not_found'
  /** The shred job has started the request, so it can no longer be cancelled. */
  | 'shred_request_started'
  /** A stored token signing key could not be unwrapped with the configured master keys. */
  | 'signing_key_unreadable'
  /** The stored audit MAC key could not be unwrapped with the configured master keys. */
  | 'audit_key_unreadable'
  /** A row written by the same transaction is missing, so something outside this package changed the table. */
  | 'storage_inconsistent';

/**
 * The one error class of this package. Messages contain identifiers (tenant ids, record ids,
 * master key ids) and never PHI or key material.
 */
export class PhiStoreError extends Error {
  override readonly name = 'PhiStoreError';
  readonly code: PhiStoreErrorCode;

  constructor(code: PhiStoreErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }
}

/** Tells whether `error` is a PhiStoreError, optionally with one of the given codes. */
export function isPhiStoreError(error: unknown, ...codes: PhiStoreErrorCode[]): error is PhiStoreError {
  return error instanceof PhiStoreError && (codes.length === 0 || codes.includes(error.code));
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** Throws `invalid_argument` unless `value` is a UUID; `name` names the argument in the message. */
export function requireUuid(value: string, name: string): void {
  if (!isUuid(value)) {
    throw new PhiStoreError('invalid_argument', `${name} must be a UUID, got ${JSON.stringify(value)}`);
  }
}
