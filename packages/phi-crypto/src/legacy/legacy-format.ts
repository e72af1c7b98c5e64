import type { Buffer } from 'node:buffer';
import { PhiCryptoError } from '../errors.js';
import { decodeBase64Strict } from '../internal/encoding.js';

/**
 * The format written by the earlier encryption service, as stored (JSON text or parsed object).
 * Every value has its own PBKDF2 salt, so every decryption runs PBKDF2 with 100,000 iterations.
 */
export interface LegacyCiphertextJson {
  /** Base64 AES-256-GCM ciphertext. */
  encryptedData: string;
  /** Base64 of the 32-byte PBKDF2 salt (despite the name, not a key). */
  encryptedKey: string;
  /** Base64 of a 16-byte GCM IV. */
  iv: string;
  /** Base64 of the 16-byte GCM tag. */
  authTag: string;
  algorithm: 'aes-256-gcm';
  /** `tenant:<tenant id>`. */
  keyId: string;
}

export interface LegacyCiphertext {
  tenantId: string;
  ciphertext: Buffer;
  salt: Buffer;
  iv: Buffer;
  tag: Buffer;
}

const SALT_BYTES = 32;
const IV_BYTES = 16;
const TAG_BYTES = 16;
const FIELDS = ['encryptedData', 'encryptedKey', 'iv', 'authTag', 'algorithm', 'keyId'] as const;

function invalid(message: string, field?: string): PhiCryptoError {
  return new PhiCryptoError('legacy_format_invalid', `legacy ciphertext ${message}`, { field });
}

function decodeField(json: Record<string, unknown>, name: (typeof FIELDS)[number], bytes?: number): Buffer {
  const value = json[name];
  const decoded = typeof value === 'string' ? decodeBase64Strict(value) : undefined;
  if (decoded === undefined) {
    throw invalid(`field ${name} is not canonical base64`, name);
  }
  if (bytes !== undefined && decoded.length !== bytes) {
    throw invalid(`field ${name} is ${decoded.length} bytes, expected ${bytes}`, name);
  }
  return decoded;
}

/** Tells whether a stored value is in the legacy JSON format (it does not authenticate it). */
export function isLegacyCiphertext(stored: string | object): boolean {
  try {
    parseLegacyCiphertext(stored);
    return true;
  } catch {
    return false;
  }
}

/** Parses and checks the legacy JSON; throws `legacy_format_invalid` naming the bad field. */
export function parseLegacyCiphertext(stored: string | object): LegacyCiphertext {
  let json: unknown = stored;
  if (typeof stored === 'string') {
    try {
      json = JSON.parse(stored);
    } catch (cause) {
      throw new PhiCryptoError('legacy_format_invalid', 'legacy ciphertext is not valid JSON', { cause });
    }
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw invalid('must be a JSON object');
  }
  const record = json as Record<string, unknown>;
  const missing = FIELDS.filter((name) => typeof record[name] !== 'string');
  if (missing.length > 0) {
    throw invalid(`is missing the string fields ${missing.join(', ')}`, missing[0]);
  }
  if (record.algorithm !== 'aes-256-gcm') {
    throw invalid(`has algorithm ${String(record.algorithm)}; only aes-256-gcm is supported`, 'algorithm');
  }
  const keyId = String(record.keyId);
  if (!keyId.startsWith('tenant:') || keyId.length === 'tenant:'.length) {
    throw invalid('has a keyId that is not tenant:<tenant id>', 'keyId');
  }
  return {
    tenantId: keyId.slice('tenant:'.length),
    ciphertext: decodeField(record, 'encryptedData'),
    salt: decodeField(record, 'encryptedKey', SALT_BYTES),
    iv: decodeField(record, 'iv', IV_BYTES),
    tag: decodeField(record, 'authTag', TAG_BYTES),
  };
}
