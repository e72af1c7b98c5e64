import { isObjectStorageError } from '@skillancer/object-storage';
import { isPhiCryptoError } from '@skillancer/phi-crypto';
import { AppError, serviceUnavailable } from '@skillancer/service-kit';

/**
 * Translates failures of the key manager and the object store into API errors. Anything else is
 * returned unchanged and ends as a 500 that the error handler logs.
 */
export function toRecordingError(error: unknown, recordingId: string): unknown {
  if (error instanceof AppError) {
    return error;
  }
  if (isPhiCryptoError(error, 'key_destroyed')) {
    return new AppError(
      410,
      'recording_unrecoverable',
      `Recording ${recordingId} can no longer be read or written: the tenant's encryption keys were destroyed (crypto-shredded)`,
      { cause: error },
    );
  }
  if (
    isPhiCryptoError(
      error,
      'decryption_failed',
      'key_commitment_mismatch',
      'ciphertext_truncated',
      'malformed_ciphertext',
      'unsupported_format_version',
    ) ||
    isObjectStorageError(error, 'not_found') ||
    isObjectStorageError(error, 'invalid_range')
  ) {
    return new AppError(
      500,
      'recording_corrupted',
      `Recording ${recordingId} failed its integrity check: stored data was altered or is missing. ` +
        'Nothing was played; report the request id to an operator',
      { cause: error },
    );
  }
  if (isObjectStorageError(error, 'unavailable') || isObjectStorageError(error, 'access_denied')) {
    return serviceUnavailable(
      'storage_unavailable',
      'The recordings bucket cannot be reached; retry shortly',
      error,
    );
  }
  return error;
}
