import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBase64UrlStrict, encodeLengthPrefixed } from '../src/internal/encoding.js';

/** Checks the definition of canonical: decoding and encoding again gives the same text. */
function isCanonical(text: string): boolean {
  return Buffer.from(text, 'base64url').toString('base64url') === text;
}

describe('decodeBase64UrlStrict', () => {
  it('decodes every canonical encoding', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        expect(decodeBase64UrlStrict(Buffer.from(bytes).toString('base64url'))).toEqual(Buffer.from(bytes));
      }),
    );
  });

  it('accepts exactly the canonical strings', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/= !.\né';
    const characters = fc.constantFrom(...alphabet.split(''));
    fc.assert(
      fc.property(fc.array(characters, { maxLength: 12 }), (chars) => {
        const text = chars.join('');
        expect(decodeBase64UrlStrict(text) !== undefined).toBe(isCanonical(text));
      }),
      { numRuns: 20_000 },
    );
  });

  it.each(['QUJD', 'QUJDRA', 'QUJDREU', ''])('accepts %j', (text) => {
    expect(decodeBase64UrlStrict(text)).toBeDefined();
  });

  it.each(['QUJDRB', 'QUJDREV', 'QUJ+', 'QUJ/', 'QUJD=', 'QU D', 'QUJDR'])('rejects %j', (text) => {
    expect(decodeBase64UrlStrict(text)).toBeUndefined();
  });
});

describe('encodeLengthPrefixed', () => {
  it('keeps part boundaries', () => {
    expect(encodeLengthPrefixed(['ab', 'c']).equals(encodeLengthPrefixed(['a', 'bc']))).toBe(false);
    expect(encodeLengthPrefixed(['é'])).toEqual(Buffer.from([0, 0, 0, 2, 0xc3, 0xa9]));
  });
});
