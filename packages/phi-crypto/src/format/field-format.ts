import type { Buffer } from 'node:buffer';
import { PhiCryptoError } from '../errors.js';
import { decodeBase64UrlStrict } from '../internal/encoding.js';

/**
 * Field ciphertext, format version 1, stored as unpadded base64url (RFC 4648 §5):
 *
 *   offset  size  content
 *   0       1     format version (1)
 *   1       4     data key version, unsigned big-endian
 *   5       1     payload type: 1 = UTF-8 text, 2 = bytes
 *   6       12    nonce (random)
 *   18      32    key commitment of the data key version
 *   50      n     AES-256-GCM ciphertext
 *   50+n    16    GCM tag
 *
 * Bytes 0–49 (everything before the ciphertext) are the first bytes of the associated data, so
 * none of them can be changed without failing authentication.
 */
export const FORMAT_VERSION = 1;
export const HEADER_BYTES = 18;
export const NONCE_OFFSET = 6;
export const NONCE_BYTES = 12;
export const COMMITMENT_BYTES = 32;
export const CIPHERTEXT_OFFSET = HEADER_BYTES + COMMITMENT_BYTES;
export const TAG_BYTES = 16;
export const MIN_ENVELOPE_BYTES = CIPHERTEXT_OFFSET + TAG_BYTES;

export const PayloadType = { text: 1, bytes: 2 } as const;
export type PayloadType = (typeof PayloadType)[keyof typeof PayloadType];

/**
 * A parsed ciphertext. The byte views are created on access, because a decryption needs only
 * some of them and each view costs an allocation.
 */
export class FieldEnvelope {
  readonly formatVersion: number;
  readonly keyVersion: number;
  readonly payloadType: PayloadType;
  /** The whole decoded value. */
  readonly bytes: Buffer;

  constructor(bytes: Buffer, payloadType: PayloadType) {
    this.bytes = bytes;
    this.formatVersion = bytes[0] ?? 0;
    this.keyVersion = bytes.readUInt32BE(1);
    this.payloadType = payloadType;
  }

  get nonce(): Buffer {
    return this.bytes.subarray(NONCE_OFFSET, NONCE_OFFSET + NONCE_BYTES);
  }

  get commitment(): Buffer {
    return this.bytes.subarray(HEADER_BYTES, CIPHERTEXT_OFFSET);
  }

  get ciphertext(): Buffer {
    return this.bytes.subarray(CIPHERTEXT_OFFSET, this.bytes.length - TAG_BYTES);
  }

  get tag(): Buffer {
    return this.bytes.subarray(this.bytes.length - TAG_BYTES);
  }

  /** Compares the stored key commitment with `expected` without an early exit, so timing reveals nothing. */
  hasCommitment(expected: Uint8Array): boolean {
    if (expected.length !== COMMITMENT_BYTES) {
      return false;
    }
    let difference = 0;
    for (let i = 0; i < COMMITMENT_BYTES; i += 1) {
      difference |= (this.bytes[HEADER_BYTES + i] ?? 0) ^ (expected[i] ?? 0);
    }
    return difference === 0;
  }
}

/**
 * Parses a stored value strictly. Throws `malformed_ciphertext` for anything that is not canonical
 * base64url, `unsupported_format_version` for a version this release does not know, and
 * `ciphertext_truncated` when bytes are missing. `field` names the value in the error.
 */
export function parseFieldCiphertext(stored: string, field?: string): FieldEnvelope {
  if (typeof stored !== 'string' || stored.length === 0) {
    throw new PhiCryptoError('malformed_ciphertext', `encrypted value of ${field ?? 'the field'} is empty`, {
      field,
    });
  }
  const envelope = decodeBase64UrlStrict(stored);
  if (envelope === undefined) {
    throw new PhiCryptoError(
      'malformed_ciphertext',
      `encrypted value of ${field ?? 'the field'} is not canonical base64url; ` +
        (stored.startsWith('{')
          ? 'it looks like the legacy JSON format, read it with decryptLegacy'
          : 'it was altered'),
      { field },
    );
  }
  const formatVersion = envelope[0] ?? 0;
  if (formatVersion !== FORMAT_VERSION) {
    throw new PhiCryptoError(
      'unsupported_format_version',
      `encrypted value of ${field ?? 'the field'} has format version ${formatVersion}, ` +
        `but this release reads only version ${FORMAT_VERSION}; upgrade @skillancer/phi-crypto or check the value`,
      { field, details: { formatVersion } },
    );
  }
  if (envelope.length < MIN_ENVELOPE_BYTES) {
    throw new PhiCryptoError(
      'ciphertext_truncated',
      `encrypted value of ${field ?? 'the field'} is ${envelope.length} bytes, ` +
        `shorter than the ${MIN_ENVELOPE_BYTES} bytes of header, commitment and tag`,
      { field },
    );
  }
  const payloadType = envelope[5];
  if (payloadType !== PayloadType.text && payloadType !== PayloadType.bytes) {
    throw new PhiCryptoError(
      'malformed_ciphertext',
      `encrypted value of ${field ?? 'the field'} has unknown payload type ${payloadType}`,
      { field },
    );
  }
  return new FieldEnvelope(envelope, payloadType);
}

/** Returns the data key version of a stored value, for example to count values left on an old version. */
export function readKeyVersion(stored: string): number {
  return parseFieldCiphertext(stored).keyVersion;
}

/** Tells whether `stored` parses as a current-format ciphertext (it does not authenticate it). */
export function isFieldCiphertext(stored: string): boolean {
  try {
    parseFieldCiphertext(stored);
    return true;
  } catch {
    return false;
  }
}
