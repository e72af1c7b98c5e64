import { address } from './address.js';
import { dateOfBirth } from './date-of-birth.js';
import { email } from './email.js';
import { insuranceId, medicalRecordNumber } from './identifiers.js';
import { name } from './name.js';
import type { NormalizeOptions, PhiType, PhiTypeSpec } from './phi-type.js';
import { phone } from './phone.js';
import { ssn } from './ssn.js';

export type { NormalizeOptions, PhiType, PhiTypeSpec } from './phi-type.js';

export const PHI_TYPES: Readonly<Record<PhiType, PhiTypeSpec>> = Object.freeze({
  ssn,
  date_of_birth: dateOfBirth,
  phone,
  email,
  name,
  address,
  medical_record_number: medicalRecordNumber,
  insurance_id: insuranceId,
});

export interface PhiValueOptions extends NormalizeOptions {
  /** Field name used in error messages; default the type name. */
  field?: string;
}

/** Validates a value of `type` and returns its canonical form; throws `invalid_<type>` naming the field. */
export function normalizePhi(type: PhiType, value: string, options: PhiValueOptions = {}): string {
  return PHI_TYPES[type].normalize(value, options.field ?? type, options);
}

/** Normalizes a value and returns the form to feed to a blind index. */
export function phiIndexForm(type: PhiType, value: string, options: PhiValueOptions = {}): string {
  const spec = PHI_TYPES[type];
  return spec.indexForm(spec.normalize(value, options.field ?? type, options));
}

/** Normalizes a value and returns its masked display form. */
export function maskPhi(type: PhiType, value: string, options: PhiValueOptions = {}): string {
  const spec = PHI_TYPES[type];
  return spec.mask(spec.normalize(value, options.field ?? type, options), options);
}

export function isPhiType(value: string): value is PhiType {
  return Object.hasOwn(PHI_TYPES, value);
}
