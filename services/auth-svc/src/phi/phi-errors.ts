import { isPhiCryptoError } from '@skillancer/phi-crypto';
import { isPhiStoreError } from '@skillancer/phi-store';
import { AppError, badRequest, conflict, notFound, serviceUnavailable } from '@skillancer/service-kit';

const INVALID_VALUE =
  /^invalid_(ssn|date_of_birth|phone|email|name|address|medical_record_number|insurance_id)$/;

/**
 * Converts errors of @skillancer/phi-crypto and @skillancer/phi-store into API errors, once, at
 * the HTTP boundary. Their messages name fields, ids and key versions but never values, so they
 * can be returned. Other errors pass through and become 500s.
 */
export function toApiError(error: unknown): unknown {
  if (error instanceof AppError) {
    return error;
  }
  if (isPhiCryptoError(error)) {
    if (INVALID_VALUE.test(error.code) || error.code === 'empty_value' || error.code === 'value_too_large') {
      return badRequest(error.code, error.message, { field: error.field });
    }
    if (error.code === 'invalid_token') {
      return badRequest('invalid_token_format', error.message, { field: error.field });
    }
    if (error.code === 'token_not_found') {
      return notFound('The token');
    }
    if (error.code === 'key_destroyed') {
      return new AppError(
        410,
        'tenant_erased',
        'The data of this tenant was erased: its encryption keys were destroyed, so nothing can be read or written',
      );
    }
    return error;
  }
  if (isPhiStoreError(error)) {
    switch (error.code) {
      case 'audit_write_failed':
        return serviceUnavailable(
          'audit_unavailable',
          'The access could not be recorded in the audit trail, so it was not performed; retry shortly',
          error,
        );
      case 'audit_key_unreadable':
        return serviceUnavailable(
          'audit_unavailable',
          'The audit trail key could not be read, so nothing is recorded or verified; retry shortly',
          error,
        );
      case 'shred_request_exists':
        return conflict(
          'erasure_pending',
          'An erasure is already scheduled; cancel it before requesting another',
        );
      case 'shred_request_not_found':
        return notFound('A pending erasure');
      case 'shred_request_started':
        return conflict('erasure_started', 'The erasure has started and can no longer be cancelled');
      default:
        return error;
    }
  }
  return error;
}

/** Runs `work` and rethrows its failure as an API error. */
export async function withApiErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toApiError(error);
  }
}
