import { invalidValue, type PhiTypeSpec, requireText } from './phi-type.js';

const SSN_PATTERN = /^(\d{3})[- ]?(\d{2})[- ]?(\d{4})$/;

/**
 * US Social Security number. Canonical form is the 9 digits. Area 000, 666 and 900–999, group 00
 * and serial 0000 are never issued (900–999 are ITINs), so they are rejected.
 */
export const ssn: PhiTypeSpec = {
  type: 'ssn',
  normalize(value, field) {
    const match = SSN_PATTERN.exec(requireText('ssn', value, field));
    if (match === null) {
      throw invalidValue('ssn', field, 'must be 9 digits, written as 123-45-6789 or 123456789');
    }
    const [, area = '', group = '', serial = ''] = match;
    if (area === '000' || area === '666' || area >= '900') {
      throw invalidValue(
        'ssn',
        field,
        'has an area number (first 3 digits) that is never issued: 000, 666 or 900–999',
      );
    }
    if (group === '00' || serial === '0000') {
      throw invalidValue('ssn', field, 'has a group number 00 or serial number 0000, which are never issued');
    }
    return `${area}${group}${serial}`;
  },
  indexForm: (canonical) => canonical,
  mask: (canonical) => `***-**-${canonical.slice(5)}`,
};
