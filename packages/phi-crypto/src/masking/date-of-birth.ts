import { invalidValue, type NormalizeOptions, type PhiTypeSpec, requireText } from './phi-type.js';

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MAX_AGE_YEARS = 150;
/** HIPAA Safe Harbor (45 CFR 164.514(b)(2)(i)(C)) aggregates ages over 89, so their year is hidden too. */
const MAX_AGE_WITH_VISIBLE_YEAR = 89;

function todayUtc(options: NormalizeOptions): { year: number; iso: string } {
  const today = options.today ?? new Date();
  return { year: today.getUTCFullYear(), iso: today.toISOString().slice(0, 10) };
}

/** Date of birth as an ISO 8601 calendar date (YYYY-MM-DD); other layouts are ambiguous (03/04) and rejected. */
export const dateOfBirth: PhiTypeSpec = {
  type: 'date_of_birth',
  normalize(value, field, options) {
    const text = requireText('date_of_birth', value, field);
    const match = ISO_DATE.exec(text);
    if (match === null) {
      throw invalidValue('date_of_birth', field, 'must be an ISO 8601 date written as YYYY-MM-DD');
    }
    const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
    const date = new Date(Date.UTC(year, month - 1, day));
    if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
      throw invalidValue('date_of_birth', field, 'is not a calendar date (check month and day)');
    }
    const today = todayUtc(options);
    if (text > today.iso) {
      throw invalidValue('date_of_birth', field, 'is in the future');
    }
    if (today.year - year > MAX_AGE_YEARS) {
      throw invalidValue('date_of_birth', field, `is more than ${MAX_AGE_YEARS} years ago`);
    }
    return text;
  },
  indexForm: (canonical) => canonical,
  mask(canonical, options) {
    const year = Number(canonical.slice(0, 4));
    if (todayUtc(options).year - year > MAX_AGE_WITH_VISIBLE_YEAR) {
      return '****-**-**';
    }
    return `${canonical.slice(0, 4)}-**-**`;
  },
};
