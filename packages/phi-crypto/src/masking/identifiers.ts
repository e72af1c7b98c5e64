import { invalidValue, type PhiType, type PhiTypeSpec, requireText } from './phi-type.js';

function identifier(type: PhiType, minLength: number, maxLength: number, label: string): PhiTypeSpec {
  return {
    type,
    normalize(value, field) {
      const canonical = requireText(type, value, field).toUpperCase().replace(/[\s-]/g, '');
      if (!/^[A-Z0-9]+$/.test(canonical) || canonical.length < minLength || canonical.length > maxLength) {
        throw invalidValue(
          type,
          field,
          `must be a ${label} of ${minLength} to ${maxLength} letters and digits (spaces and hyphens are ignored)`,
        );
      }
      return canonical;
    },
    indexForm: (canonical) => canonical,
    // The last 4 characters are shown only when at least 4 others stay hidden.
    mask: (canonical) => (canonical.length >= 8 ? `****${canonical.slice(-4)}` : '****'),
  };
}

/** Medical record number: upper-case letters and digits, 4–20 characters. */
export const medicalRecordNumber = identifier('medical_record_number', 4, 20, 'medical record number');

/** Health insurance member id: upper-case letters and digits, 5–30 characters. */
export const insuranceId = identifier('insurance_id', 5, 30, 'insurance member id');
