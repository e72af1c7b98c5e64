import { Buffer } from 'node:buffer';
import { PhiCryptoError } from '../errors.js';
import { encodeLengthPrefixed } from '../internal/encoding.js';

/**
 * Where an encrypted value lives. All four parts are bound into the ciphertext as associated data,
 * so a value copied to another tenant, record or field fails to decrypt. They are identifiers,
 * not PHI: they appear in error messages and may appear in logs.
 */
export interface FieldContext {
  tenantId: string;
  /** Kind of record, such as a table name (`patient_profile`). */
  recordType: string;
  recordId: string;
  /** Field or column name (`ssn`). */
  field: string;
}

const CONTEXT_LABEL = 'skillancer/phi-crypto/field-context/v1';
const MAX_PART_BYTES = 512;
const PARTS = ['tenantId', 'recordType', 'recordId', 'field'] as const;

/** Throws `invalid_field_context` unless every part is a non-empty string of at most 512 UTF-8 bytes. */
export function assertFieldContext(context: FieldContext): void {
  for (const part of PARTS) {
    const value: unknown = context?.[part];
    if (typeof value !== 'string' || value.length === 0) {
      throw new PhiCryptoError('invalid_field_context', `field context ${part} must be a non-empty string`, {
        field: part,
      });
    }
    if (Buffer.byteLength(value, 'utf8') > MAX_PART_BYTES) {
      throw new PhiCryptoError(
        'invalid_field_context',
        `field context ${part} is longer than ${MAX_PART_BYTES} UTF-8 bytes; use an identifier, not data`,
        { field: part },
      );
    }
  }
}

/**
 * Encodes the context as length-prefixed UTF-8 (see `encodeLengthPrefixed`) after a version label,
 * so the encoding of ("a", "bc") never equals that of ("ab", "c") and does not depend on object
 * key order the way JSON.stringify does.
 */
export function encodeFieldContext(context: FieldContext): Buffer {
  return encodeLengthPrefixed([
    CONTEXT_LABEL,
    context.tenantId,
    context.recordType,
    context.recordId,
    context.field,
  ]);
}

export function describeFieldContext(context: FieldContext): string {
  return `${context.recordType}/${context.recordId}.${context.field} of tenant ${context.tenantId}`;
}
