import { randomUUID } from 'node:crypto';
import { ObjectStorageError } from './errors.js';

/** S3 and R2 both limit keys to 1024 bytes of UTF-8. */
export const MAX_KEY_BYTES = 1024;

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const EXTENSION_PATTERN = /^[a-z0-9]{1,10}$/;
// With the `u` flag a surrogate pair is one code point, so this matches only unpaired halves.
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Validates an object key and returns it normalized to Unicode NFC, the form R2 stores.
 *
 * Rejected with `invalid_key`: empty keys, keys over 1024 UTF-8 bytes, malformed UTF-16, control
 * characters (NUL included), backslashes, a leading `/`, and empty, `.` or `..` path segments. These
 * rules make every valid key a safe relative path for the filesystem driver.
 */
export function normalizeKey(key: string): string {
  if (typeof key !== 'string' || key.length === 0) {
    throw invalidKey(key, 'must be a non-empty string');
  }
  if (LONE_SURROGATE.test(key)) {
    throw invalidKey(key, 'contains an unpaired UTF-16 surrogate');
  }
  const normalized = key.normalize('NFC');
  if (Buffer.byteLength(normalized, 'utf8') > MAX_KEY_BYTES) {
    throw invalidKey(key, `is longer than ${MAX_KEY_BYTES} bytes in UTF-8`);
  }
  if (hasControlCharacter(normalized)) {
    throw invalidKey(key, 'contains a control character (NUL, newline or similar)');
  }
  if (normalized.includes('\\')) {
    throw invalidKey(key, 'contains a backslash; use "/" to separate segments');
  }
  if (normalized.startsWith('/')) {
    throw invalidKey(key, 'starts with "/"; keys are relative');
  }
  for (const segment of normalized.split('/')) {
    if (segment === '' || segment === '.' || segment === '..') {
      throw invalidKey(key, 'contains an empty, "." or ".." segment');
    }
  }
  return normalized;
}

/**
 * Validates a listing prefix: the empty prefix, or a key prefix that follows the key rules. A prefix may
 * end with "/" (a folder) or in the middle of a segment.
 */
export function normalizePrefix(prefix: string): string {
  if (prefix === '') {
    return '';
  }
  const withoutSlash = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  const normalized = normalizeKey(withoutSlash);
  return prefix.endsWith('/') ? `${normalized}/` : normalized;
}

export interface ObjectKeyParts {
  /** Tenant UUID; every key starts with `tenant/<tenantId>/`. */
  tenantId: string;
  /** Owner UUID, when the object belongs to one user. */
  userId?: string;
  /** Object kind, e.g. `avatar`, `portfolio-image`, `invoice`. */
  kind: string;
  /** UUID shared by all variants of one upload; a new random UUID when omitted. */
  objectId?: string;
  /** Rendition name, e.g. `original`, `512`. */
  variant: string;
  /** File extension without the dot, e.g. `webp`. */
  extension?: string;
}

/**
 * Builds an object key from server-side identifiers only:
 * `tenant/<tenantId>[/user/<userId>]/<kind>/<objectId>/<variant>[.<extension>]`.
 * A user's file name never becomes part of a key, so keys need no escaping, and the random object id
 * keeps separate uploads apart.
 */
export function objectKey(parts: ObjectKeyParts): string {
  const objectId = parts.objectId ?? randomUUID();
  const prefix = objectKeyPrefix({ ...parts, objectId });
  const variant = requireName('variant', parts.variant);
  if (parts.extension === undefined) {
    return `${prefix}${variant}`;
  }
  if (!EXTENSION_PATTERN.test(parts.extension)) {
    throw new ObjectStorageError(
      'invalid_key',
      `Object key extension "${parts.extension}" is invalid: use 1 to 10 lowercase letters or digits, without the dot.`,
    );
  }
  return `${prefix}${variant}.${parts.extension}`;
}

/**
 * Builds the prefix under which all keys of a tenant, user, kind or object live, ending with "/".
 * List or delete by this prefix to remove every variant of an upload.
 */
export function objectKeyPrefix(parts: Omit<ObjectKeyParts, 'variant' | 'extension'>): string {
  let prefix = `tenant/${requireUuid('tenantId', parts.tenantId)}/`;
  if (parts.userId !== undefined) {
    prefix += `user/${requireUuid('userId', parts.userId)}/`;
  }
  prefix += `${requireName('kind', parts.kind)}/`;
  if (parts.objectId !== undefined) {
    prefix += `${requireUuid('objectId', parts.objectId)}/`;
  }
  return prefix;
}

function requireUuid(field: string, value: string): string {
  const lower = typeof value === 'string' ? value.toLowerCase() : '';
  if (!UUID_PATTERN.test(lower)) {
    throw new ObjectStorageError('invalid_key', `Object key ${field} "${String(value)}" is not a UUID.`);
  }
  return lower;
}

function requireName(field: string, value: string): string {
  if (typeof value !== 'string' || !NAME_PATTERN.test(value)) {
    throw new ObjectStorageError(
      'invalid_key',
      `Object key ${field} "${String(value)}" is invalid: use 1 to 63 lowercase letters, digits, "-" or "_", starting with a letter or digit.`,
    );
  }
  return value;
}

/** Returns true for C0 control characters (NUL included) and DEL, which break URLs, logs and file names. */
export function hasControlCharacter(value: string): boolean {
  for (let index = 0; index < value.length; index += 1) {
    const code = value.charCodeAt(index);
    if (code < 0x20 || code === 0x7f) {
      return true;
    }
  }
  return false;
}

function invalidKey(key: unknown, reason: string): ObjectStorageError {
  const shown = typeof key === 'string' ? JSON.stringify(key.slice(0, 200)) : String(key);
  return new ObjectStorageError('invalid_key', `Object key ${shown} ${reason}.`);
}
