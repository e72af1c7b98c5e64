/**
 * Stable error codes. They are public API: services map them to HTTP statuses and metrics labels,
 * so a code is never renamed or reused for another meaning.
 */
export type PhiCryptoErrorCode =
  | 'invalid_argument'
  | 'invalid_master_key'
  | 'master_key_unknown'
  | 'master_key_check_failed'
  | 'wrapped_key_invalid'
  | 'key_repository_failed'
  | 'tenant_keys_not_found'
  | 'key_version_not_found'
  | 'key_version_retired'
  | 'key_destroyed'
  | 'key_usage_exhausted'
  | 'key_version_conflict'
  | 'key_rotation_pending'
  | 'invalid_field_context'
  | 'empty_value'
  | 'value_too_large'
  | 'malformed_ciphertext'
  | 'unsupported_format_version'
  | 'ciphertext_truncated'
  | 'key_commitment_mismatch'
  | 'decryption_failed'
  | 'payload_type_mismatch'
  | 'invalid_utf8'
  | 'invalid_ssn'
  | 'invalid_date_of_birth'
  | 'invalid_phone'
  | 'invalid_email'
  | 'invalid_name'
  | 'invalid_address'
  | 'invalid_medical_record_number'
  | 'invalid_insurance_id'
  | 'invalid_token'
  | 'token_not_found'
  | 'legacy_format_invalid'
  | 'legacy_tenant_mismatch'
  | 'legacy_decryption_failed'
  | 'shred_not_due'
  | 'audit_event_invalid';

export interface PhiCryptoErrorOptions {
  cause?: unknown;
  /** Name of the PHI field or argument the error is about, for validation responses. */
  field?: string;
  /** Non-secret identifiers that help an operator: tenant id, key version, master key id. */
  details?: Readonly<Record<string, string | number | boolean | null>>;
}

/**
 * The one error class of this package. Messages never contain plaintext PHI or key material,
 * only identifiers (tenant id, field name, key version, master key id).
 */
export class PhiCryptoError extends Error {
  override readonly name = 'PhiCryptoError';
  readonly code: PhiCryptoErrorCode;
  readonly field: string | undefined;
  readonly details: Readonly<Record<string, string | number | boolean | null>>;

  constructor(code: PhiCryptoErrorCode, message: string, options: PhiCryptoErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.field = options.field;
    this.details = Object.freeze({ ...(options.details ?? {}) });
  }
}

/** Tells whether `error` is a PhiCryptoError, optionally with one of the given codes. */
export function isPhiCryptoError(error: unknown, ...codes: PhiCryptoErrorCode[]): error is PhiCryptoError {
  if (!(error instanceof PhiCryptoError)) {
    return false;
  }
  return codes.length === 0 || codes.includes(error.code);
}

/** Throws `invalid_argument` unless `condition` holds; used for caller contract checks. */
export function requireArgument(condition: boolean, message: string, field?: string): asserts condition {
  if (!condition) {
    throw new PhiCryptoError('invalid_argument', message, { field });
  }
}
