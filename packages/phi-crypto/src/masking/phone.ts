import { invalidValue, type NormalizeOptions, type PhiTypeSpec, requireText } from './phi-type.js';

const ALLOWED = /^\+?[\d\s().-]+$/;
/** E.164 allows at most 15 digits; the shortest numbers in use have 7. */
const MIN_DIGITS = 7;
const MAX_DIGITS = 15;

function toInternational(text: string, field: string, options: NormalizeOptions): string {
  const digits = text.replace(/\D/g, '');
  if (text.startsWith('+')) {
    return digits;
  }
  if (digits.startsWith('00')) {
    return digits.slice(2);
  }
  const country = options.defaultCountryCode;
  if (country === undefined) {
    throw invalidValue('phone', field, 'must start with + and the country code, as in +14155550123');
  }
  if (country === '1') {
    // NANP numbers are written as 10 digits, or 11 with the leading trunk digit 1.
    return digits.length === 11 && digits.startsWith('1') ? digits : `1${digits}`;
  }
  return `${country}${digits.startsWith('0') ? digits.slice(1) : digits}`;
}

/** Phone number in E.164 form (`+` and up to 15 digits). */
export const phone: PhiTypeSpec = {
  type: 'phone',
  normalize(value, field, options) {
    const text = requireText('phone', value, field);
    if (!ALLOWED.test(text)) {
      throw invalidValue('phone', field, 'may contain only digits, spaces, ( ) . - and a leading +');
    }
    if (options.defaultCountryCode !== undefined && !/^[1-9]\d{0,2}$/.test(options.defaultCountryCode)) {
      throw invalidValue('phone', 'defaultCountryCode', 'must be 1 to 3 digits without + or a leading 0');
    }
    const digits = toInternational(text, field, options);
    if (digits.length < MIN_DIGITS || digits.length > MAX_DIGITS || digits.startsWith('0')) {
      throw invalidValue(
        'phone',
        field,
        `must have ${MIN_DIGITS} to ${MAX_DIGITS} digits including a country code that does not start with 0`,
      );
    }
    if (digits.startsWith('1') && !/^1[2-9]\d{2}[2-9]\d{6}$/.test(digits)) {
      throw invalidValue(
        'phone',
        field,
        'is not a valid North American number (+1, then 10 digits, area code 2–9xx)',
      );
    }
    return `+${digits}`;
  },
  indexForm: (canonical) => canonical,
  mask: (canonical) => `+${'*'.repeat(canonical.length - 5)}${canonical.slice(-4)}`,
};
