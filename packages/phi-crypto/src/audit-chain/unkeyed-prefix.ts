import { createHmac, timingSafeEqual } from 'node:crypto';
import { requireArgument } from '../errors.js';
import { encodeLengthPrefixed } from '../internal/encoding.js';

const SEAL_LABEL = 'skillancer/phi-crypto/audit-unkeyed-prefix/v1';
const SEAL_PATTERN = /^[0-9a-f]{64}$/;

/** The last plain SHA-256 event of a chain that later switched to keyed hashes. */
export interface UnkeyedPrefix {
  sequence: number;
  hash: string;
}

/**
 * Computes the seal of a chain's unkeyed prefix: lowercase hex HMAC-SHA256 under a chain MAC key
 * of the tenant id and the prefix's last sequence and hash. Stored beside the prefix, it stops
 * anyone without the key from moving the point where keying began (see
 * `AuditChainMacKeys.unkeyedPrefix`).
 */
export function sealUnkeyedPrefix(key: Uint8Array, tenantId: string, prefix: UnkeyedPrefix): string {
  requireArgument(key.length >= 32, 'the audit chain HMAC key must be at least 32 bytes', 'key');
  requireArgument(
    Number.isSafeInteger(prefix.sequence) && prefix.sequence >= 1,
    'the unkeyed prefix must end at a positive sequence number',
    'sequence',
  );
  return createHmac('sha256', key)
    .update(encodeLengthPrefixed([SEAL_LABEL, tenantId, String(prefix.sequence), prefix.hash]))
    .digest('hex');
}

/** Tells whether `seal` is the seal of `prefix` under `key`, comparing in constant time. */
export function verifyUnkeyedPrefixSeal(
  key: Uint8Array,
  tenantId: string,
  prefix: UnkeyedPrefix,
  seal: string,
): boolean {
  if (!SEAL_PATTERN.test(seal)) {
    return false;
  }
  const expected = Buffer.from(sealUnkeyedPrefix(key, tenantId, prefix), 'hex');
  return timingSafeEqual(expected, Buffer.from(seal, 'hex'));
}
