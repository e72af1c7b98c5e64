import { ObjectStorageError } from './errors.js';

/** S3 and R2 accept presigned URLs valid for at most 7 days. */
export const MAX_PRESIGN_SECONDS = 604_800;

/** Encodes a key as URL path segments, keeping "/" as the separator. */
export function encodeKeyPath(key: string): string {
  return key
    .split('/')
    .map((segment) =>
      encodeURIComponent(segment).replace(
        /[!'()*]/g,
        (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`,
      ),
    )
    .join('/');
}

/** Joins a base URL (with or without a trailing "/") and an object key. */
export function joinKeyUrl(baseUrl: string, key: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/${encodeKeyPath(key)}`;
}

export function validateExpiry(expiresInSeconds: number): void {
  if (!Number.isInteger(expiresInSeconds) || expiresInSeconds < 1 || expiresInSeconds > MAX_PRESIGN_SECONDS) {
    throw new ObjectStorageError(
      'invalid_argument',
      `expiresInSeconds ${expiresInSeconds} must be an integer from 1 to ${MAX_PRESIGN_SECONDS} (7 days).`,
    );
  }
}

export function validateContentLength(contentLength: number | undefined): void {
  if (contentLength !== undefined && (!Number.isSafeInteger(contentLength) || contentLength < 0)) {
    throw new ObjectStorageError(
      'invalid_argument',
      `contentLength ${contentLength} must be a non-negative integer number of bytes.`,
    );
  }
}
