import { Buffer } from 'node:buffer';
import { createHash, createHmac, hkdfSync } from 'node:crypto';
import { PhiCryptoError, requireArgument } from '../errors.js';
import { constantTimeEqual, zeroize } from '../internal/bytes.js';
import { decodeBase64UrlStrict, encodeLengthPrefixed } from '../internal/encoding.js';
import type { DataKey } from '../keys/key-material.js';
import type { StreamKeySource } from './stream-key.js';

const SEAL_KEY_LABEL = 'skillancer/phi-crypto/stream-seal/v1';
const SEAL_VERSION = 1;
const SEAL_BYTES = 1 + 4 + 32;

/** A record made of several encrypted streams (parts), such as the chunks of a session recording. */
export interface SealedRecordContext {
  tenantId: string;
  recordType: string;
  recordId: string;
}

/** The facts about one part that its seal fixes. */
export interface SealedPart {
  /** Position of the part, 0 to `totalParts - 1`. */
  part: number;
  /** Plaintext offset of the part within the whole record. */
  offset: number;
  plaintextBytes: number;
  /** The part's stream header, which names its content key. */
  header: Uint8Array;
}

/** Size of the whole record; every part's seal includes it, so dropping trailing parts is detected. */
export interface SealedTotals {
  totalParts: number;
  totalBytes: number;
}

/**
 * Seals the list of parts of a multi-part record with HMAC-SHA256 under a key derived from the
 * tenant's data key. Each part gets its own tag over (record, part index, offset, size, header
 * digest, part count, total size), so a reader that plays only a few parts checks only their
 * tags. A part that was removed, reordered, duplicated, swapped with another record's or replaced
 * by a re-encryption still fails its check. A seal is `1 ‖ key version ‖ tag` in base64url.
 */
export class StreamSealer {
  readonly keyVersion: number;
  readonly #context: SealedRecordContext;
  #key: Buffer | undefined;

  private constructor(dataKey: DataKey, context: SealedRecordContext) {
    this.keyVersion = dataKey.version;
    this.#context = context;
    const info = encodeLengthPrefixed([
      SEAL_KEY_LABEL,
      context.tenantId,
      context.recordType,
      context.recordId,
      String(dataKey.version),
    ]);
    this.#key = Buffer.from(hkdfSync('sha256', dataKey.encryptionKey(), Buffer.alloc(0), info, 32));
  }

  /** A sealer under the tenant's newest data key, for sealing a finished record. */
  static async forSealing(keys: StreamKeySource, context: SealedRecordContext): Promise<StreamSealer> {
    assertRecordContext(context);
    return new StreamSealer(await keys.encryptionKey(context.tenantId), context);
  }

  /** A sealer for checking seals made under `keyVersion` (see `readSealKeyVersion`). */
  static async forVerifying(
    keys: StreamKeySource,
    context: SealedRecordContext,
    keyVersion: number,
  ): Promise<StreamSealer> {
    assertRecordContext(context);
    return new StreamSealer(await keys.decryptionKey(context.tenantId, keyVersion), context);
  }

  seal(totals: SealedTotals, part: SealedPart): string {
    const out = Buffer.allocUnsafe(SEAL_BYTES);
    out[0] = SEAL_VERSION;
    out.writeUInt32BE(this.keyVersion, 1);
    this.#tag(totals, part).copy(out, 5);
    return out.toString('base64url');
  }

  /** Throws `decryption_failed` unless `seal` is this part's seal; `malformed_ciphertext` if unreadable. */
  verify(totals: SealedTotals, part: SealedPart, seal: string): void {
    const bytes = parseSeal(seal);
    const expected = this.#tag(totals, part);
    if (bytes.readUInt32BE(1) !== this.keyVersion || !constantTimeEqual(bytes.subarray(5), expected)) {
      throw new PhiCryptoError(
        'decryption_failed',
        `the seal of part ${part.part} of ${this.#context.recordType} ${this.#context.recordId} does not verify: ` +
          'the list of parts was altered (a part removed, moved, replaced or resized)',
        { details: { tenantId: this.#context.tenantId, keyVersion: this.keyVersion } },
      );
    }
  }

  /** Zeroes the derived key. */
  destroy(): void {
    if (this.#key !== undefined) {
      zeroize(this.#key);
      this.#key = undefined;
    }
  }

  #tag(totals: SealedTotals, part: SealedPart): Buffer {
    const key = this.#key;
    if (key === undefined) {
      throw new PhiCryptoError('key_destroyed', 'the stream sealer was destroyed; create a new one');
    }
    const headerDigest = createHash('sha256').update(part.header).digest('hex');
    const message = encodeLengthPrefixed([
      this.#context.recordId,
      String(part.part),
      String(part.offset),
      String(part.plaintextBytes),
      headerDigest,
      String(totals.totalParts),
      String(totals.totalBytes),
    ]);
    return createHmac('sha256', key).update(message).digest();
  }
}

/** Returns the data key version a seal was made under. */
export function readSealKeyVersion(seal: string): number {
  return parseSeal(seal).readUInt32BE(1);
}

function parseSeal(seal: string): Buffer {
  const bytes = typeof seal === 'string' ? decodeBase64UrlStrict(seal) : undefined;
  if (bytes === undefined || bytes.length !== SEAL_BYTES || bytes[0] !== SEAL_VERSION) {
    throw new PhiCryptoError(
      'malformed_ciphertext',
      `a part seal must be ${SEAL_BYTES} bytes of base64url starting with version ${SEAL_VERSION}`,
    );
  }
  return bytes;
}

function assertRecordContext(context: SealedRecordContext): void {
  for (const name of ['tenantId', 'recordType', 'recordId'] as const) {
    requireArgument(
      typeof context[name] === 'string' && context[name].length > 0,
      `sealed record ${name} must be a non-empty string`,
      name,
    );
  }
}
