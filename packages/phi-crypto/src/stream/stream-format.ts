import { Buffer } from 'node:buffer';
import { PhiCryptoError, requireArgument } from '../errors.js';

/**
 * Header of the segmented stream format, version 1:
 *
 * | bytes | content                                                   |
 * | ----- | --------------------------------------------------------- |
 * | 4     | magic `PHIS`                                              |
 * | 1     | format version (1)                                        |
 * | 4     | data key version, big-endian                              |
 * | 4     | plaintext bytes per segment, big-endian                   |
 * | 32    | random HKDF salt of this stream's content key             |
 * | 7     | random nonce prefix                                       |
 * | 32    | key commitment of the content key                         |
 *
 * Segments follow: each is the AES-256-GCM ciphertext of `segmentSize` plaintext bytes plus its
 * 16-byte tag, except the final segment, which has 0 to `segmentSize` bytes. Only an empty
 * stream has an empty final segment.
 */
export const STREAM_MAGIC = Buffer.from('PHIS', 'latin1');
export const STREAM_FORMAT_VERSION = 1;
export const STREAM_SALT_BYTES = 32;
export const STREAM_NONCE_PREFIX_BYTES = 7;
export const STREAM_COMMITMENT_BYTES = 32;
export const STREAM_TAG_BYTES = 16;
export const STREAM_HEADER_BYTES =
  4 + 1 + 4 + 4 + STREAM_SALT_BYTES + STREAM_NONCE_PREFIX_BYTES + STREAM_COMMITMENT_BYTES;

/** Segment sizes the format accepts. 64 KiB is the default: one segment per typical socket read. */
export const MIN_SEGMENT_SIZE = 1024;
export const MAX_SEGMENT_SIZE = 8 * 1024 * 1024;
export const DEFAULT_SEGMENT_SIZE = 64 * 1024;

/** The segment index is 32 bits wide in the nonce, so a stream has at most 2^32 segments. */
export const MAX_SEGMENTS = 2 ** 32;

const KEY_VERSION_OFFSET = 5;
const SEGMENT_SIZE_OFFSET = 9;
const SALT_OFFSET = 13;
const NONCE_PREFIX_OFFSET = SALT_OFFSET + STREAM_SALT_BYTES;
const COMMITMENT_OFFSET = NONCE_PREFIX_OFFSET + STREAM_NONCE_PREFIX_BYTES;

/** The parsed header; `bytes` is the exact header as stored, which every segment authenticates. */
export interface StreamHeader {
  bytes: Buffer;
  keyVersion: number;
  segmentSize: number;
  salt: Buffer;
  noncePrefix: Buffer;
  commitment: Buffer;
}

/** Builds a header with the commitment left zero; `StreamKey` fills it in after deriving the key. */
export function buildStreamHeader(input: {
  keyVersion: number;
  segmentSize: number;
  salt: Uint8Array;
  noncePrefix: Uint8Array;
}): Buffer {
  assertSegmentSize(input.segmentSize);
  requireArgument(input.salt.length === STREAM_SALT_BYTES, `the salt must have ${STREAM_SALT_BYTES} bytes`);
  requireArgument(
    input.noncePrefix.length === STREAM_NONCE_PREFIX_BYTES,
    `the nonce prefix must have ${STREAM_NONCE_PREFIX_BYTES} bytes`,
  );
  const bytes = Buffer.alloc(STREAM_HEADER_BYTES);
  STREAM_MAGIC.copy(bytes, 0);
  bytes[4] = STREAM_FORMAT_VERSION;
  bytes.writeUInt32BE(input.keyVersion, KEY_VERSION_OFFSET);
  bytes.writeUInt32BE(input.segmentSize, SEGMENT_SIZE_OFFSET);
  Buffer.from(input.salt).copy(bytes, SALT_OFFSET);
  Buffer.from(input.noncePrefix).copy(bytes, NONCE_PREFIX_OFFSET);
  return bytes;
}

/** Writes the content key commitment into a header built by `buildStreamHeader`. */
export function writeHeaderCommitment(header: Buffer, commitment: Uint8Array): void {
  Buffer.from(commitment).copy(header, COMMITMENT_OFFSET);
}

/**
 * Parses a stream header. Throws `malformed_ciphertext` for a short input, a wrong magic or an
 * out-of-range field, and `unsupported_format_version` for a version this release cannot read.
 */
export function parseStreamHeader(input: Uint8Array): StreamHeader {
  if (input.length < STREAM_HEADER_BYTES) {
    throw new PhiCryptoError(
      'ciphertext_truncated',
      `the encrypted stream is ${input.length} bytes long, shorter than its ${STREAM_HEADER_BYTES}-byte header`,
    );
  }
  const bytes = Buffer.from(input.subarray(0, STREAM_HEADER_BYTES));
  if (!bytes.subarray(0, 4).equals(STREAM_MAGIC)) {
    throw new PhiCryptoError(
      'malformed_ciphertext',
      'the data does not start with the PHIS magic of an encrypted stream; it is not a stream ciphertext',
    );
  }
  if (bytes[4] !== STREAM_FORMAT_VERSION) {
    throw new PhiCryptoError(
      'unsupported_format_version',
      `the encrypted stream has format version ${bytes[4]}, but this release reads only version ${STREAM_FORMAT_VERSION}`,
    );
  }
  const keyVersion = bytes.readUInt32BE(KEY_VERSION_OFFSET);
  const segmentSize = bytes.readUInt32BE(SEGMENT_SIZE_OFFSET);
  if (keyVersion < 1 || segmentSize < MIN_SEGMENT_SIZE || segmentSize > MAX_SEGMENT_SIZE) {
    throw new PhiCryptoError(
      'malformed_ciphertext',
      `the encrypted stream header names key version ${keyVersion} and segment size ${segmentSize}; ` +
        `the version must be at least 1 and the size from ${MIN_SEGMENT_SIZE} to ${MAX_SEGMENT_SIZE} bytes`,
    );
  }
  return {
    bytes,
    keyVersion,
    segmentSize,
    salt: bytes.subarray(SALT_OFFSET, SALT_OFFSET + STREAM_SALT_BYTES),
    noncePrefix: bytes.subarray(NONCE_PREFIX_OFFSET, NONCE_PREFIX_OFFSET + STREAM_NONCE_PREFIX_BYTES),
    commitment: bytes.subarray(COMMITMENT_OFFSET, COMMITMENT_OFFSET + STREAM_COMMITMENT_BYTES),
  };
}

export function assertSegmentSize(segmentSize: number): void {
  requireArgument(
    Number.isInteger(segmentSize) && segmentSize >= MIN_SEGMENT_SIZE && segmentSize <= MAX_SEGMENT_SIZE,
    `segmentSize must be an integer from ${MIN_SEGMENT_SIZE} to ${MAX_SEGMENT_SIZE}, got ${segmentSize}`,
    'segmentSize',
  );
}

/** Number of segments of a stream with `plaintextBytes` bytes; an empty stream has one empty segment. */
export function segmentCount(plaintextBytes: number, segmentSize: number): number {
  return Math.max(1, Math.ceil(plaintextBytes / segmentSize));
}

/** Size of the whole ciphertext, header included, for `plaintextBytes` of input. */
export function streamCiphertextBytes(plaintextBytes: number, segmentSize: number): number {
  return STREAM_HEADER_BYTES + plaintextBytes + segmentCount(plaintextBytes, segmentSize) * STREAM_TAG_BYTES;
}

/**
 * Plaintext size of a ciphertext of `ciphertextBytes` bytes (header included). Throws
 * `ciphertext_truncated` for a length no encryption produces, such as one cut inside a tag.
 */
export function streamPlaintextBytes(ciphertextBytes: number, segmentSize: number): number {
  const body = ciphertextBytes - STREAM_HEADER_BYTES;
  const stride = segmentSize + STREAM_TAG_BYTES;
  const fullSegments = Math.floor(body / stride);
  const rest = body - fullSegments * stride;
  let plaintext: number;
  if (body < STREAM_TAG_BYTES) {
    plaintext = -1;
  } else if (rest === 0) {
    plaintext = fullSegments * segmentSize;
  } else if (rest > STREAM_TAG_BYTES || (rest === STREAM_TAG_BYTES && fullSegments === 0)) {
    plaintext = fullSegments * segmentSize + rest - STREAM_TAG_BYTES;
  } else {
    plaintext = -1;
  }
  if (plaintext < 0) {
    throw new PhiCryptoError(
      'ciphertext_truncated',
      `an encrypted stream of ${ciphertextBytes} bytes with ${segmentSize}-byte segments cannot be complete; ` +
        'it was cut short or extended',
    );
  }
  return plaintext;
}

/** Inclusive plaintext byte range, as in HTTP `Range: bytes=start-end`. */
export interface PlaintextRange {
  start: number;
  end: number;
}

/** Plan of a ranged read: the ciphertext bytes that decrypt a plaintext range, and how to trim the result. */
export interface StreamRangePlan {
  plaintextBytes: number;
  firstSegment: number;
  lastSegment: number;
  /** Index of the stream's final segment, which is authenticated with the final flag set. */
  finalSegment: number;
  /** Inclusive byte range of the ciphertext object to read. */
  ciphertextStart: number;
  ciphertextEnd: number;
  /** Plaintext bytes to drop from the start of the first decrypted segment. */
  skipBytes: number;
  /** Plaintext bytes to return in total. */
  lengthBytes: number;
}

/**
 * Maps a plaintext range to the segments that cover it, so that a reader fetches and decrypts
 * only those. Throws `invalid_argument` when the range lies outside the plaintext.
 */
export function planStreamRange(
  header: StreamHeader,
  ciphertextBytes: number,
  range: PlaintextRange,
): StreamRangePlan {
  const segmentSize = header.segmentSize;
  const plaintextBytes = streamPlaintextBytes(ciphertextBytes, segmentSize);
  requireArgument(
    Number.isSafeInteger(range.start) &&
      Number.isSafeInteger(range.end) &&
      range.start >= 0 &&
      range.start <= range.end &&
      range.end < plaintextBytes,
    `the range ${range.start}-${range.end} is outside the plaintext of ${plaintextBytes} bytes`,
    'range',
  );
  const stride = segmentSize + STREAM_TAG_BYTES;
  const firstSegment = Math.floor(range.start / segmentSize);
  const lastSegment = Math.floor(range.end / segmentSize);
  const finalSegment = segmentCount(plaintextBytes, segmentSize) - 1;
  const lastLength = lastSegment === finalSegment ? plaintextBytes - lastSegment * segmentSize : segmentSize;
  return {
    plaintextBytes,
    firstSegment,
    lastSegment,
    finalSegment,
    ciphertextStart: STREAM_HEADER_BYTES + firstSegment * stride,
    ciphertextEnd: STREAM_HEADER_BYTES + lastSegment * stride + lastLength + STREAM_TAG_BYTES - 1,
    skipBytes: range.start - firstSegment * segmentSize,
    lengthBytes: range.end - range.start + 1,
  };
}
