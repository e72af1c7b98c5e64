import { badRequest } from '@skillancer/service-kit';
import { phiTypeField, type SensitiveFieldSpec } from '../phi/sensitive-fields.js';

const TAX_ID = /^[A-Z0-9]{4,30}$/;

/**
 * A national tax identifier (an SSN or ITIN in the US, a Steuer-ID in Germany, and so on): 4 to 30
 * letters and digits after removing spaces, hyphens, dots and slashes, stored upper case. Only
 * the shape is checked, because the rules differ per country.
 */
export const taxIdField: SensitiveFieldSpec = {
  normalize(value, label) {
    const canonical = value
      .trim()
      .toUpperCase()
      .replace(/[\s./-]/g, '');
    if (!TAX_ID.test(canonical)) {
      throw badRequest(
        'invalid_tax_id',
        `${label} must be 4 to 30 letters and digits (spaces, hyphens, dots and slashes are ignored)`,
        { field: label },
      );
    }
    return canonical;
  },
  // The last 4 characters are shown only when at least 4 others stay hidden.
  mask: (canonical) => (canonical.length >= 8 ? `****${canonical.slice(-4)}` : '****'),
};

/** The sensitive profile fields, stored encrypted in the profile's PHI record. */
export const PROFILE_FIELDS = {
  phone: phiTypeField('phone'),
  dateOfBirth: phiTypeField('date_of_birth'),
  address: phiTypeField('address'),
  taxId: taxIdField,
} as const satisfies Record<string, SensitiveFieldSpec>;

export type ProfileFieldName = keyof typeof PROFILE_FIELDS;

export const PROFILE_FIELD_NAMES = Object.keys(PROFILE_FIELDS) as [ProfileFieldName, ...ProfileFieldName[]];
