import { Buffer } from 'node:buffer';
import { PhiCryptoError } from '../errors.js';
import { encodeLengthPrefixed } from '../internal/encoding.js';

/**
 * Location of an encrypted value. All four parts are bound into the ciphertext as associated data,
 * so a value copied to another tenant, record or field fails to decrypt. They are identifiers,
 * not PHI, because they appear in error messages and may appear in logs.
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
    // A UTF-16 code unit takes 1 to 3 UTF-8 bytes, so short strings need no byte count.
    const tooLong =
      value.length > MAX_PART_BYTES ||
      (value.length * 3 > MAX_PART_BYTES && Buffer.byteLength(value, 'utf8') > MAX_PART_BYTES);
    if (tooLong) {
      throw new PhiCryptoError(
        'invalid_field_context',
        `field context ${part} is longer than ${MAX_PART_BYTES} UTF-8 bytes; use an identifier, not data`,
        { field: part },
      );
    }
  }
}

const LABEL_BYTES = encodeLengthPrefixed([CONTEXT_LABEL]);
/** Room for a 64-byte header, the label and 4 parts of up to 512 UTF-16 units (3 bytes each). */
const aadScratch = Buffer.alloc(64 + LABEL_BYTES.length + PARTS.length * (4 + 3 * MAX_PART_BYTES));

function writePart(value: string, offset: number): number {
  if (value.length > MAX_PART_BYTES) {
    throw new PhiCryptoError(
      'invalid_field_context',
      `a field context part is longer than ${MAX_PART_BYTES} characters`,
    );
  }
  const written = aadScratch.write(value, offset + 4, 'utf8');
  aadScratch.writeUInt32BE(written, offset);
  return offset + 4 + written;
}

/**
 * Builds the associated data of a field ciphertext, `header[0, headerLength)` followed by the
 * encoded context, in a buffer shared by all calls, and returns a view of it. The next call
 * overwrites the view, so pass it straight to `setAAD`, which copies it.
 */
export function fieldAadView(header: Buffer, headerLength: number, context: FieldContext): Buffer {
  header.copy(aadScratch, 0, 0, headerLength);
  LABEL_BYTES.copy(aadScratch, headerLength);
  let offset = headerLength + LABEL_BYTES.length;
  offset = writePart(context.tenantId, offset);
  offset = writePart(context.recordType, offset);
  offset = writePart(context.recordId, offset);
  offset = writePart(context.field, offset);
  return aadScratch.subarray(0, offset);
}

/**
 * Encodes the context as length-prefixed UTF-8 (see `encodeLengthPrefixed`) after a version label,
 * so the encoding of ("a", "bc") never equals that of ("ab", "c") and does not depend on object
 * key order the way JSON.stringify does. Field ciphertexts authenticate their header followed by
 * these bytes.
 */
export function encodeFieldContext(context: FieldContext): Buffer {
  return Buffer.from(fieldAadView(Buffer.alloc(0), 0, context));
}

export function describeFieldContext(context: FieldContext): string {
  return `${context.recordType}/${context.recordId}.${context.field} of tenant ${context.tenantId}`;
}
