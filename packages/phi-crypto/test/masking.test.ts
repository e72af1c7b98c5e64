import { describe, expect, it } from 'vitest';
import { isPhiType, maskPhi, normalizePhi, type PhiType, phiIndexForm } from '../src/index.js';

const today = new Date('2025-06-15T12:00:00Z');

function failure(type: PhiType, value: string, options: Parameters<typeof normalizePhi>[2] = {}) {
  try {
    normalizePhi(type, value, { today, ...options });
  } catch (error) {
    return error as { code: string; field: string; message: string };
  }
  throw new Error(`expected ${type} to reject the value`);
}

describe('normalizePhi', () => {
  it.each<[PhiType, string, string, Parameters<typeof normalizePhi>[2]?]>([
    ['ssn', '123-45-6789', '123456789'],
    ['ssn', ' 123 45 6789 ', '123456789'],
    ['ssn', '123456789', '123456789'],
    ['date_of_birth', '1980-02-29', '1980-02-29'],
    ['phone', '+1 (415) 555-0123', '+14155550123'],
    ['phone', '0049 30 1234567', '+49301234567'],
    ['phone', '415.555.0123', '+14155550123', { defaultCountryCode: '1' }],
    ['phone', '1-415-555-0123', '+14155550123', { defaultCountryCode: '1' }],
    ['phone', '030 1234567', '+49301234567', { defaultCountryCode: '49' }],
    ['email', ' Jane.Doe+Clinic@Example.COM ', 'jane.doe+clinic@example.com'],
    ['email', 'anna@bücher.de', 'anna@xn--bcher-kva.de'],
    ['name', '  José   O’Brien-Lee ', 'José O’Brien-Lee'],
    ['address', ' 1 Main St.\n  Apt 4 \n Boston, MA 02108 ', '1 Main St., Apt 4, Boston, MA 02108'],
    ['medical_record_number', 'mrn-0042 17', 'MRN004217'],
    ['insurance_id', 'xyz 123-456-789', 'XYZ123456789'],
  ])('normalizes %s %j', (type, input, expected, options = {}) => {
    expect(normalizePhi(type, input, { today, ...options })).toBe(expected);
  });

  it.each<[PhiType, string, Parameters<typeof normalizePhi>[2]?]>([
    ['ssn', '12-345-6789'],
    ['ssn', '000-12-3456'],
    ['ssn', '666-12-3456'],
    ['ssn', '912-34-5678'],
    ['ssn', '123-00-4567'],
    ['ssn', '123-45-0000'],
    ['ssn', '123-45-678a'],
    ['date_of_birth', '02/03/1980'],
    ['date_of_birth', '1981-02-29'],
    ['date_of_birth', '1980-13-01'],
    ['date_of_birth', '2025-06-16'],
    ['date_of_birth', '1870-01-01'],
    ['phone', '4155550123'],
    ['phone', '+1 (415) 555-012'],
    ['phone', '+1 (115) 555-0123'],
    ['phone', '+0 123 4567'],
    ['phone', '+49 30 1234 5678 9012 3'],
    ['phone', 'call +1 415 555 0123'],
    ['phone', '415 555 0123', { defaultCountryCode: '+1' }],
    ['email', 'jane.doe'],
    ['email', 'jane..doe@example.com'],
    ['email', 'jane doe@example.com'],
    ['email', '"jane"@example.com'],
    ['email', 'jane@localhost'],
    ['email', 'jane@-example.com'],
    ['email', `${'a'.repeat(65)}@example.com`],
    ['name', 'R2-D2'],
    ['name', '---'],
    ['name', 'x'.repeat(201)],
    ['address', 'line\u0000two'],
    ['address', '---'],
    ['medical_record_number', 'ab1'],
    ['medical_record_number', 'MRN#1234'],
    ['insurance_id', 'X'.repeat(31)],
  ])('rejects %s %j', (type, input, options = {}) => {
    const error = failure(type, input, { field: `patient.${type}`, ...options });
    expect(error.code).toBe(`invalid_${type}`);
    expect(error.field === `patient.${type}` || error.field === 'defaultCountryCode').toBe(true);
  });

  it.each<PhiType>([
    'ssn',
    'date_of_birth',
    'phone',
    'email',
    'name',
    'address',
    'medical_record_number',
    'insurance_id',
  ])('rejects an empty %s', (type) => {
    const error = failure(type, '   ', { field: 'form.value' });
    expect(error.code).toBe(`invalid_${type}`);
    expect(error.message).toContain('form.value');
  });

  it('rejects a non-string value', () => {
    expect(failure('ssn', 42 as unknown as string).code).toBe('invalid_ssn');
  });

  it('never echoes the value in the message', () => {
    expect(failure('ssn', '987-65-4321').message).not.toContain('987');
    expect(failure('email', 'secret.person@').message).not.toContain('secret.person');
  });

  it('defaults the field name to the type', () => {
    expect(failure('ssn', 'x').field).toBe('ssn');
  });
});

describe('maskPhi', () => {
  it.each<[PhiType, string, string]>([
    ['ssn', '123-45-6789', '***-**-6789'],
    ['date_of_birth', '1980-02-29', '1980-**-**'],
    ['date_of_birth', '1930-05-01', '****-**-**'],
    ['phone', '+14155550123', '+*******0123'],
    ['email', 'Jane.Doe@mail.example.com', 'j***@m***.e***.com'],
    ['name', 'José O’Brien-Lee', 'J*** O***'],
    ['address', '1 Main St, Boston, MA 02108-1234', '*** (ZIP 021**)'],
    ['address', '10 Downing Street, London', '***'],
    ['medical_record_number', 'MRN-0042-17', '****4217'],
    ['medical_record_number', 'AB12', '****'],
    ['insurance_id', 'XYZ123456789', '****6789'],
  ])('masks %s %j', (type, input, expected) => {
    expect(maskPhi(type, input, { today })).toBe(expected);
  });
});

describe('phiIndexForm', () => {
  it.each<[PhiType, string, string]>([
    ['ssn', '123 45 6789', '123-45-6789'],
    ['email', 'JANE@EXAMPLE.COM', 'jane@example.com'],
    ['name', 'José  O’Brien-Lee', 'jose obrien lee'],
    ['name', 'JOSE OBRIEN LEE', "josé o'brien-lee"],
    ['address', '1 Main St., Boston', '1 MAIN ST BOSTON'],
    ['phone', '+1 415 555 0123', '+1-415-555-0123'],
  ])('maps %s %j and %j to one form', (type, a, b) => {
    expect(phiIndexForm(type, a, { today })).toBe(phiIndexForm(type, b, { today }));
  });

  it('keeps different values apart', () => {
    expect(phiIndexForm('name', 'Ann Lee')).not.toBe(phiIndexForm('name', 'Anne Lee'));
  });
});

describe('isPhiType', () => {
  it('accepts only known types', () => {
    expect(isPhiType('ssn')).toBe(true);
    expect(isPhiType('toString')).toBe(false);
  });
});
