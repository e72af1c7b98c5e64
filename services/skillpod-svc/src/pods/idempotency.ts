import { createHash } from 'node:crypto';
import { badRequest } from '@skillancer/service-kit';

/** Printable ASCII without spaces, 1 to 255 characters; a UUID v4 per logical request is the usual choice. */
const KEY = /^[\x21-\x7e]{1,255}$/;

/** Reads the `Idempotency-Key` header; throws 400 when it is missing, repeated or malformed. */
export function readIdempotencyKey(header: string | string[] | undefined): string {
  if (header === undefined || header === '') {
    throw badRequest(
      'idempotency_key_missing',
      'Send an Idempotency-Key header (for example a new UUID) so that a retried request cannot create a second pod',
    );
  }
  if (Array.isArray(header) || !KEY.test(header)) {
    throw badRequest(
      'idempotency_key_invalid',
      'The Idempotency-Key header must be one value of 1 to 255 printable ASCII characters without spaces',
    );
  }
  return header;
}

/**
 * Fingerprints the create request as the SHA-256 of its normalized body, so that a request that reuses
 * a key with another body is distinguished from a true retry. An omitted field and its default differ.
 */
export function fingerprintCreateRequest(body: { name?: string; sizeGb?: number }): string {
  const normalized = JSON.stringify({ name: body.name ?? null, sizeGb: body.sizeGb ?? null });
  return createHash('sha256').update(normalized, 'utf8').digest('hex');
}
