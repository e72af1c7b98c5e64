import { invalidValue, type PhiTypeSpec, requireText, stripMarks } from './phi-type.js';

const MAX_LENGTH = 500;
const CONTROL = /[\p{Cc}\p{Cf}]/u;
const US_ZIP_AT_END = /\b(\d{3})\d{2}(?:-\d{4})?$/;

/**
 * Postal address as free text. Canonical form joins trimmed lines with ", " (NFC). The index form
 * is upper case without accents and punctuation. Abbreviations are not standardized ("Street"
 * and "St" index differently), so exact lookups need the address written the same way.
 */
export const address: PhiTypeSpec = {
  type: 'address',
  normalize(value, field) {
    const text = requireText('address', value, field).normalize('NFC');
    const lines = text
      .split(/\r\n|\r|\n/)
      .map((line) => line.trim().replace(/[ \t]+/g, ' '))
      .filter((line) => line.length > 0);
    const canonical = lines.join(', ');
    if (CONTROL.test(canonical)) {
      throw invalidValue('address', field, 'contains control characters');
    }
    if (canonical.length > MAX_LENGTH) {
      throw invalidValue('address', field, `is longer than ${MAX_LENGTH} characters`);
    }
    if (!/[\p{L}\p{N}]/u.test(canonical)) {
      throw invalidValue('address', field, 'must contain letters or digits');
    }
    return canonical;
  },
  indexForm(canonical) {
    return stripMarks(canonical)
      .toUpperCase()
      .replace(/[.,#;:'\u2019"]/g, ' ')
      .replace(/\s+/g, ' ')
      .trim();
  },
  /** Shows only the first 3 digits of a trailing US ZIP code, the part HIPAA Safe Harbor can keep. */
  mask(canonical) {
    const zip = US_ZIP_AT_END.exec(canonical);
    return zip === null ? '***' : `*** (ZIP ${zip[1]}**)`;
  },
};
