import { ObjectStorageError } from './errors.js';
import { hasControlCharacter } from './keys.js';
import type { ObjectHeaders } from './types.js';

/** AWS S3 limits user metadata to 2 KiB (names plus values); R2 allows 8 KiB, so the smaller limit is portable. */
export const MAX_METADATA_BYTES = 2048;
export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

const METADATA_NAME = /^[a-z0-9][a-z0-9-]*$/;
// Printable ASCII without leading or trailing spaces, because HTTP trims header values.
const PORTABLE_VALUE = /^(?:[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?)?$/;
const MEDIA_TYPE = /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+(?:\s*;[\x20-\x7e]*)?$/i;

/**
 * Validates content headers and metadata so that they round-trip unchanged on S3, R2, MinIO and the
 * filesystem driver. Throws `invalid_metadata` naming the offending field.
 */
export function validateObjectHeaders(headers: ObjectHeaders): void {
  if (headers.contentType !== undefined && !MEDIA_TYPE.test(headers.contentType)) {
    throw invalidMetadata(`contentType "${headers.contentType}" is not a media type such as "image/webp"`);
  }
  for (const field of ['contentDisposition', 'cacheControl'] as const) {
    const value = headers[field];
    if (value !== undefined && (value === '' || !PORTABLE_VALUE.test(value))) {
      throw invalidMetadata(
        `${field} must be non-empty printable ASCII without surrounding spaces; encode file names with attachmentDisposition()`,
      );
    }
  }
  let total = 0;
  for (const [name, value] of Object.entries(headers.metadata ?? {})) {
    if (!METADATA_NAME.test(name)) {
      throw invalidMetadata(`metadata name "${name}" must use lowercase letters, digits and "-" only`);
    }
    if (typeof value !== 'string' || !PORTABLE_VALUE.test(value)) {
      throw invalidMetadata(
        `metadata "${name}" must be printable ASCII without surrounding spaces; encode other text (e.g. base64url)`,
      );
    }
    total += Buffer.byteLength(name) + Buffer.byteLength(value);
  }
  if (total > MAX_METADATA_BYTES) {
    throw invalidMetadata(
      `metadata is ${total} bytes; the limit is ${MAX_METADATA_BYTES} bytes of names plus values`,
    );
  }
}

/**
 * Builds a `Content-Disposition` value for a user-supplied file name: an ASCII fallback in `filename`
 * and the exact UTF-8 name in `filename*` (RFC 6266 and RFC 8187). Control characters (CR and LF
 * included), double quotes, backslashes and slashes become "_", so the name cannot end the header or
 * the quoted string, nor carry a path.
 */
export function attachmentDisposition(
  fileName: string,
  disposition: 'attachment' | 'inline' = 'attachment',
): string {
  const characters = Array.from(fileName.replace(/\p{Cs}/gu, '_').normalize('NFC'), (character) =>
    hasControlCharacter(character) || '"\\/'.includes(character) ? '_' : character,
  );
  // Cut by code points, not UTF-16 units, so that no surrogate pair is split.
  const cleaned = Array.from(characters.join('').trim()).slice(0, 200).join('');
  if (cleaned === '') {
    return disposition;
  }
  const fallback = cleaned.replace(/[^\x20-\x7e]/g, '_').replace(/[%;]/g, '_');
  const encoded = encodeURIComponent(cleaned).replace(
    /['()*]/g,
    (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `${disposition}; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

function invalidMetadata(reason: string): ObjectStorageError {
  return new ObjectStorageError('invalid_metadata', `Invalid object headers: ${reason}.`);
}
