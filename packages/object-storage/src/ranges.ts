import { ObjectStorageError } from './errors.js';
import type { ByteRange } from './types.js';

/** Validates a byte range and renders it as an HTTP `Range` header value. */
export function rangeHeader(range: ByteRange, key: string): string {
  if ('suffixLength' in range) {
    if (!Number.isSafeInteger(range.suffixLength) || range.suffixLength <= 0) {
      throw invalidRange(key, `suffixLength ${range.suffixLength} must be a positive integer`);
    }
    return `bytes=-${range.suffixLength}`;
  }
  if (!Number.isSafeInteger(range.start) || range.start < 0) {
    throw invalidRange(key, `start ${range.start} must be a non-negative integer`);
  }
  if (range.end === undefined) {
    return `bytes=${range.start}-`;
  }
  if (!Number.isSafeInteger(range.end) || range.end < range.start) {
    throw invalidRange(key, `end ${range.end} must be an integer no smaller than start ${range.start}`);
  }
  return `bytes=${range.start}-${range.end}`;
}

/**
 * Resolves a range against an object size into inclusive offsets, as an S3 server does: `end` is
 * clamped to the last byte, and a range that starts past the end (or any range of an empty object)
 * fails with `invalid_range`.
 */
export function resolveRange(range: ByteRange, size: number, key: string): { start: number; end: number } {
  rangeHeader(range, key);
  if (size === 0) {
    throw invalidRange(key, 'the object is empty');
  }
  if ('suffixLength' in range) {
    return { start: Math.max(0, size - range.suffixLength), end: size - 1 };
  }
  if (range.start >= size) {
    throw invalidRange(key, `start ${range.start} is at or past the object size ${size}`);
  }
  return { start: range.start, end: Math.min(range.end ?? size - 1, size - 1) };
}

function invalidRange(key: string, reason: string): ObjectStorageError {
  return new ObjectStorageError('invalid_range', `Invalid byte range for "${key}": ${reason}.`, { key });
}
