import { isDatabaseError } from '@skillancer/database';
import { isHetznerError } from '@skillancer/hetzner-cloud';
import { isObjectStorageError } from '@skillancer/object-storage';
import { isVolumeError } from '@skillancer/volumes';

/** A failure in the operator's words and the fix for it. */
export interface Diagnosis {
  problem: string;
  fix: string;
}

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME']);
const TLS_CODES = new Set([
  'EPROTO',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** Returns the first Node.js system error code (`ECONNREFUSED`, `ENOTFOUND`, …) in the cause chain. */
export function systemErrorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && typeof current === 'object' && current !== null; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^(E[A-Z_]+|ERR_TLS_[A-Z_]+|[A-Z_]*CERT[A-Z_]*)$/.test(code)) {
      return code;
    }
    const errors = (current as { errors?: unknown }).errors;
    if (Array.isArray(errors) && errors.length > 0) {
      current = errors[0];
      continue;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Names the kind of network failure: connection refused, DNS, TLS or timeout. */
export function describeNetworkFailure(error: unknown): string | undefined {
  const code = systemErrorCode(error);
  if (code === undefined) return undefined;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (DNS_CODES.has(code)) return 'DNS lookup failed';
  if (TLS_CODES.has(code) || code.startsWith('ERR_TLS_') || code.includes('CERT'))
    return `TLS handshake failed (${code})`;
  if (code === 'ETIMEDOUT' || code === 'ECONNRESET') return `connection failed (${code})`;
  return code;
}

/** Translates an object storage failure on `bucket` into the troubleshooting wording. */
export function diagnoseStorage(error: unknown, where: { endpoint: string; bucket: string }): Diagnosis {
  const reason = error instanceof Error ? error.message : String(error);
  if (!isObjectStorageError(error)) {
    return { problem: `object storage check failed: ${reason}`, fix: 'see the message above' };
  }
  if (error.code === 'bucket_not_found') {
    return {
      problem: `bucket missing: ${where.bucket} does not exist at ${where.endpoint}`,
      fix: `create the bucket ${where.bucket}, or set the bucket variable to an existing bucket`,
    };
  }
  if (error.code === 'access_denied') {
    return {
      problem: `S3 credentials rejected for bucket ${where.bucket} at ${where.endpoint}`,
      fix: 'check S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY and S3_REGION, and that the token may read and write this bucket',
    };
  }
  if (error.code === 'unavailable') {
    const network = describeNetworkFailure(error);
    if (network?.startsWith('TLS')) {
      return {
        problem: `cannot connect to S3 at ${where.endpoint}: ${network}`,
        fix: 'check the scheme of S3_ENDPOINT (https:// for R2, http:// for a local MinIO) and the server certificate',
      };
    }
    if (network === 'DNS lookup failed') {
      return {
        problem: `cannot connect to S3 at ${where.endpoint}: ${network}`,
        fix: 'check the host name in S3_ENDPOINT (for R2: https://<account-id>.r2.cloudflarestorage.com)',
      };
    }
    return {
      problem: `cannot connect to S3 at ${where.endpoint}: ${network ?? reason}`,
      fix: 'check S3_ENDPOINT and that the store is running and reachable from here',
    };
  }
  return { problem: `object storage check on ${where.bucket} failed: ${reason}`, fix: 'see the message' };
}

/** Translates a Hetzner Cloud API failure into the troubleshooting wording. */
export function diagnoseHetzner(failure: unknown, apiUrl: string): Diagnosis {
  // The volume provider wraps client errors in a VolumeError; the client error carries the API code.
  const error = isVolumeError(failure) && isHetznerError(failure.cause) ? failure.cause : failure;
  const reason = error instanceof Error ? error.message : String(error);
  if (isHetznerError(error, 'unauthorized')) {
    return {
      problem: 'Hetzner authentication failed: the API rejected HETZNER_API_TOKEN',
      fix: 'create a Read & Write API token in the Hetzner Console (project > Security > API tokens) and set HETZNER_API_TOKEN',
    };
  }
  if (isHetznerError(error, 'forbidden', 'token_readonly')) {
    return {
      problem: 'Hetzner authentication failed: the token may not perform this operation',
      fix: 'create a Read & Write API token in the Hetzner Console and set HETZNER_API_TOKEN',
    };
  }
  if (isHetznerError(error, 'rate_limit_exceeded')) {
    return {
      problem: 'rate limited by Hetzner: the project used up its API request budget (3600 per hour)',
      fix: 'wait a few minutes for the budget to refill, and check for another process calling the API in a loop',
    };
  }
  if (isHetznerError(error, 'network_error', 'request_timeout')) {
    return {
      problem: `cannot connect to the Hetzner Cloud API at ${apiUrl}: ${describeNetworkFailure(error) ?? reason}`,
      fix: 'check HETZNER_API_URL and outbound network access',
    };
  }
  return { problem: `Hetzner Cloud API call failed: ${reason}`, fix: 'see the message' };
}

/** Translates a database failure into a problem and fix; the message never contains the URL. */
export function diagnoseDatabase(error: unknown): Diagnosis {
  const reason = error instanceof Error ? error.message : String(error);
  if (isDatabaseError(error, 'connection_failed')) {
    return {
      problem: `cannot connect to the database: ${describeNetworkFailure(error) ?? reason}`,
      fix: 'check the host and port in DATABASE_URL and that PostgreSQL is running',
    };
  }
  if (isDatabaseError(error, 'authentication_failed')) {
    return {
      problem: 'the database rejected the credentials',
      fix: 'check the user and password in DATABASE_URL',
    };
  }
  if (isDatabaseError(error, 'database_not_found')) {
    return {
      problem: 'the database named in DATABASE_URL does not exist',
      fix: 'create it (CREATE DATABASE …) or fix the database name in DATABASE_URL',
    };
  }
  return { problem: `database check failed: ${reason}`, fix: 'see the message' };
}
