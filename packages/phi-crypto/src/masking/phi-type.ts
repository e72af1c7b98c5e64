import { PhiCryptoError, type PhiCryptoErrorCode } from '../errors.js';

export type PhiType =
  | 'ssn'
  | 'date_of_birth'
  | 'phone'
  | 'email'
  | 'name'
  | 'address'
  | 'medical_record_number'
  | 'insurance_id';

export interface NormalizeOptions {
  /**
   * Country calling code (digits, such as `1` or `49`) for phone numbers written without `+`.
   * Without it such numbers are rejected, because their country cannot be known.
   */
  defaultCountryCode?: string;
  /** Today's date for date-of-birth checks; default the current UTC date. */
  today?: Date;
}

/** Rules for one kind of PHI. */
export interface PhiTypeSpec {
  type: PhiType;
  /**
   * Validates `value` and returns its canonical form, the one to encrypt and store. Throws
   * `invalid_<type>` naming `field`; messages describe the expected shape and never echo the value.
   */
  normalize(value: string, field: string, options: NormalizeOptions): string;
  /** Derives from a canonical value the form fed to the blind index, so equal values match. */
  indexForm(canonical: string): string;
  /** Derives from a canonical value a display form that hides all but the listed parts. */
  mask(canonical: string, options: NormalizeOptions): string;
}

export function invalidValue(type: PhiType, field: string, expectation: string): PhiCryptoError {
  return new PhiCryptoError(`invalid_${type}` as PhiCryptoErrorCode, `${field} ${expectation}`, {
    field,
    details: { phiType: type },
  });
}

/** Rejects non-strings and values that are empty after trimming, with the type's error code. */
export function requireText(type: PhiType, value: unknown, field: string): string {
  if (typeof value !== 'string') {
    throw invalidValue(type, field, 'must be a string');
  }
  const trimmed = value.trim();
  if (trimmed.length === 0) {
    throw invalidValue(type, field, 'must not be empty');
  }
  return trimmed;
}

/** Removes accents and other combining marks after compatibility decomposition (NFKD). */
export function stripMarks(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}/gu, '');
}
