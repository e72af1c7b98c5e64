import type { PhiType } from '@skillancer/phi-crypto';
import { phiTypeField, type SensitiveFieldSpec } from './sensitive-fields.js';

/** The typed PHI fields of records in the records API, by API name, with their PHI type. */
export const RECORD_FIELD_TYPES = {
  ssn: 'ssn',
  dateOfBirth: 'date_of_birth',
  phone: 'phone',
  email: 'email',
  name: 'name',
  address: 'address',
  medicalRecordNumber: 'medical_record_number',
  insuranceId: 'insurance_id',
} as const satisfies Record<string, PhiType>;

export type RecordFieldName = keyof typeof RECORD_FIELD_TYPES;

export const RECORD_FIELD_NAMES = Object.keys(RECORD_FIELD_TYPES) as [RecordFieldName, ...RecordFieldName[]];

/** Every record field is searchable through its blind index. */
export const RECORD_FIELDS = Object.fromEntries(
  RECORD_FIELD_NAMES.map((name) => [name, phiTypeField(RECORD_FIELD_TYPES[name], { searchable: true })]),
) as Record<RecordFieldName, SensitiveFieldSpec>;

/** Record type of profile records; the records API neither creates nor returns them. */
export const PROFILE_RECORD_TYPE = 'user_profile';

/** Record type when a request names none. */
export const DEFAULT_RECORD_TYPE = 'phi_record';

/**
 * Reasons a caller may state for revealing PHI, after the uses HIPAA permits without an
 * authorization (45 CFR 164.506 and 164.512) plus `break_glass` for emergency access.
 * Free text is not accepted, because it could carry PHI into the audit trail.
 */
export const REVEAL_PURPOSES = [
  'treatment',
  'payment',
  'healthcare_operations',
  'patient_request',
  'legal_requirement',
  'public_health',
  'break_glass',
] as const;

export type RevealPurpose = (typeof REVEAL_PURPOSES)[number];
