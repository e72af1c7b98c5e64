import { createHash, type Hash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { s3Errors } from './errors.js';

/** Flexible checksum algorithms this peer verifies, by their S3 header suffix. */
export type ChecksumAlgorithm = 'crc32' | 'crc32c' | 'sha1' | 'sha256';

const KNOWN_UNSUPPORTED = new Set(['crc64nvme']);
/** Base64 length of each digest: 4-byte CRCs, 20-byte SHA-1, 32-byte SHA-256. */
const DIGEST_BASE64_LENGTH: Record<ChecksumAlgorithm, number> = { crc32: 8, crc32c: 8, sha1: 28, sha256: 44 };

export interface RunningChecksum {
  update(chunk: Buffer): void;
  /** Base64 of the big-endian digest, as S3 sends it. */
  digestBase64(): string;
}

/** Starts a checksum; unknown names fail with InvalidRequest, CRC64NVME with NotImplemented. */
export function createChecksum(name: string): RunningChecksum {
  const algorithm = parseChecksumAlgorithm(name);
  if (algorithm === 'crc32') {
    return crcChecksum((chunk, previous) => crc32(chunk, previous));
  }
  if (algorithm === 'crc32c') {
    return crcChecksum(crc32c);
  }
  return hashChecksum(createHash(algorithm));
}

export function parseChecksumAlgorithm(name: string): ChecksumAlgorithm {
  const lower = name.toLowerCase();
  if (lower === 'crc32' || lower === 'crc32c' || lower === 'sha1' || lower === 'sha256') {
    return lower;
  }
  if (KNOWN_UNSUPPORTED.has(lower)) {
    throw s3Errors.notImplemented(`This S3 peer does not implement the ${name.toUpperCase()} checksum.`);
  }
  throw s3Errors.invalidRequest(`Checksum algorithm ${name} is not valid.`);
}

/** Checks the shape of a declared checksum value before any body byte is read. */
export function validateChecksumValue(algorithm: ChecksumAlgorithm, value: string): void {
  if (value.length !== DIGEST_BASE64_LENGTH[algorithm] || !/^[A-Za-z0-9+/]+={0,2}$/.test(value)) {
    throw s3Errors.invalidRequest(`Value for x-amz-checksum-${algorithm} header is invalid.`);
  }
}

function crcChecksum(update: (chunk: Buffer, previous: number) => number): RunningChecksum {
  let value = 0;
  return {
    update(chunk) {
      value = update(chunk, value);
    },
    digestBase64() {
      const digest = Buffer.alloc(4);
      digest.writeUInt32BE(value >>> 0);
      return digest.toString('base64');
    },
  };
}

function hashChecksum(hash: Hash): RunningChecksum {
  return {
    update(chunk) {
      hash.update(chunk);
    },
    digestBase64() {
      return hash.digest('base64');
    },
  };
}

/** CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), table-driven. */
const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let index = 0; index < 256; index += 1) {
    let value = index;
    for (let bit = 0; bit < 8; bit += 1) {
      value = value & 1 ? (value >>> 1) ^ 0x82f63b78 : value >>> 1;
    }
    table[index] = value >>> 0;
  }
  return table;
})();

export function crc32c(chunk: Buffer, previous = 0): number {
  let crc = ~previous >>> 0;
  for (let index = 0; index < chunk.length; index += 1) {
    crc = ((CRC32C_TABLE[(crc ^ (chunk[index] as number)) & 0xff] as number) ^ (crc >>> 8)) >>> 0;
  }
  return ~crc >>> 0;
}
