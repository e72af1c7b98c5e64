import { invalidValue, type PhiTypeSpec, requireText, stripMarks } from './phi-type.js';

const NAME_PATTERN = /^[\p{L}\p{M}' \u2019.,-]+$/u;
const MAX_LENGTH = 200;

/**
 * Person name. Canonical form keeps case and accents (NFC) with single spaces. The index form
 * drops case, accents, apostrophes and periods and treats hyphens as spaces, so "José O'Brien-Lee"
 * and "jose obrien lee" match.
 */
export const name: PhiTypeSpec = {
  type: 'name',
  normalize(value, field) {
    const text = requireText('name', value, field).normalize('NFC').replace(/\s+/gu, ' ');
    if (text.length > MAX_LENGTH) {
      throw invalidValue('name', field, `is longer than ${MAX_LENGTH} characters`);
    }
    if (!NAME_PATTERN.test(text) || !/\p{L}/u.test(text)) {
      throw invalidValue('name', field, "may contain only letters, spaces and the characters ' . , -");
    }
    return text;
  },
  indexForm(canonical) {
    return stripMarks(canonical)
      .toLowerCase()
      .replace(/['\u2019.]/g, '')
      .replace(/[-,]/g, ' ')
      .replace(/\s+/g, ' ')
      .trim();
  },
  mask(canonical) {
    return canonical
      .split(' ')
      .map((word) => `${Array.from(word)[0] ?? ''}***`)
      .join(' ');
  },
};
