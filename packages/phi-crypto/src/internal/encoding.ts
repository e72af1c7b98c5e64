import { Buffer } from 'node:buffer';

const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Decodes RFC 4648 §5 base64url without padding, or returns undefined when `text` is not in
 * canonical form. Node's decoder skips characters outside the alphabet (whitespace, `=`, `!`)
 * and also accepts `+` and `/`, so the result is checked instead of trusted:
 * - a skipped character leaves fewer bytes than the length of `text` implies (this holds for
 *   every length except 4n + 1, which no canonical encoding has and is rejected first),
 * - `+` and `/` are searched for,
 * - the last partial group is re-encoded, which rejects set bits after the final byte.
 * This is cheaper than re-encoding the whole value on every decryption.
 */
export function decodeBase64UrlStrict(text: string): Buffer | undefined {
  const remainder = text.length % 4;
  if (remainder === 1 || text.includes('+') || text.includes('/')) {
    return undefined;
  }
  const bytes = Buffer.from(text, 'base64url');
  if (bytes.length !== Math.floor((text.length * 3) / 4)) {
    return undefined;
  }
  if (remainder !== 0) {
    const tail = bytes.toString('base64url', bytes.length - (remainder - 1));
    if (tail !== text.slice(text.length - remainder)) {
      return undefined;
    }
  }
  return bytes;
}

/** Decodes padded standard base64 (RFC 4648 §4) and returns undefined for anything non-canonical. */
export function decodeBase64Strict(text: string): Buffer | undefined {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.toString('base64') !== text) {
    return undefined;
  }
  return bytes;
}

/** Decodes UTF-8 and returns undefined for invalid byte sequences instead of inserting U+FFFD. */
export function decodeUtf8Strict(bytes: Uint8Array): string | undefined {
  try {
    return utf8Decoder.decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * Encodes strings as a sequence of (4-byte big-endian byte length, UTF-8 bytes). Unlike joining with
 * a separator or JSON.stringify, the encoding is injective: ("ab", "c") and ("a", "bc") differ, and
 * property order or escaping cannot change it.
 */
export function encodeLengthPrefixed(parts: readonly string[]): Buffer {
  let total = 0;
  for (const part of parts) {
    total += 4 + Buffer.byteLength(part, 'utf8');
  }
  const out = Buffer.allocUnsafe(total);
  let offset = 0;
  for (const part of parts) {
    const length = out.write(part, offset + 4, 'utf8');
    out.writeUInt32BE(length, offset);
    offset += 4 + length;
  }
  return out;
}
