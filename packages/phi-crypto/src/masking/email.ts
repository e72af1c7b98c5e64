import { domainToASCII } from 'node:url';
import { invalidValue, type PhiTypeSpec, requireText } from './phi-type.js';

/** RFC 5322 dot-atom characters, plus any non-ASCII character as RFC 6531 allows. */
const LOCAL_PART =
  /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~\u0080-\u{10FFFF}-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~\u0080-\u{10FFFF}-]+)*$/u;
const DOMAIN_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const MAX_LOCAL = 64;
const MAX_ADDRESS = 254;

function maskLabel(label: string): string {
  return `${label.slice(0, 1)}***`;
}

/**
 * Email address. Canonical form is lowercase with the domain in ASCII (punycode). Lowercasing the
 * local part is a choice: RFC 5321 lets servers treat it case-sensitively, but providers do not,
 * and one person must not get two blind indexes. Quoted local parts and IP literals are rejected.
 */
export const email: PhiTypeSpec = {
  type: 'email',
  normalize(value, field) {
    const text = requireText('email', value, field).normalize('NFC');
    const at = text.lastIndexOf('@');
    if (at <= 0 || at === text.length - 1) {
      throw invalidValue('email', field, 'must be an address of the form name@example.com');
    }
    const local = text.slice(0, at).toLowerCase();
    if (local.length > MAX_LOCAL || !LOCAL_PART.test(local)) {
      throw invalidValue(
        'email',
        field,
        `has an invalid part before @ (at most ${MAX_LOCAL} characters, no spaces, quotes or consecutive dots)`,
      );
    }
    const domain = domainToASCII(text.slice(at + 1).toLowerCase());
    const labels = domain.split('.');
    if (domain === '' || labels.length < 2 || !labels.every((label) => DOMAIN_LABEL.test(label))) {
      throw invalidValue('email', field, 'has an invalid domain after @ (such as example.com)');
    }
    const canonical = `${local}@${domain}`;
    if (canonical.length > MAX_ADDRESS) {
      throw invalidValue('email', field, `is longer than ${MAX_ADDRESS} characters`);
    }
    return canonical;
  },
  indexForm: (canonical) => canonical,
  mask(canonical) {
    const at = canonical.lastIndexOf('@');
    const labels = canonical.slice(at + 1).split('.');
    const topLevel = labels.pop() ?? '';
    return `${maskLabel(canonical.slice(0, at))}@${labels.map(maskLabel).join('.')}.${topLevel}`;
  },
};
