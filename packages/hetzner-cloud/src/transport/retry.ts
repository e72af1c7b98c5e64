import { HetznerApiError } from '../errors.js';
import { type BackoffOptions, backoffDelay } from './backoff.js';
import { sleep } from './sleep.js';
import type { RawHandler } from './types.js';

export interface RetryOptions extends BackoffOptions {
  /** Retries after the first attempt. */
  maxRetries: number;
}

/** API error codes that say "try again"; everything else is final for the transport. */
const RETRYABLE_CODES = new Set(['conflict', 'rate_limit_exceeded', 'bad_gateway', 'timeout']);

/**
 * Tells whether a failed attempt may be repeated as it is: the four retryable API codes, a 502 or 504
 * without an error body, and a request that got no response within the timeout. Other network errors
 * are not retried because a mutation may have been applied before the connection broke.
 */
export function isRetryable(error: unknown): boolean {
  if (!(error instanceof HetznerApiError)) return false;
  if (RETRYABLE_CODES.has(error.code) && error.origin === 'api') return true;
  if (error.code === 'http_error') return error.status === 502 || error.status === 504;
  return error.code === 'request_timeout';
}

/** Wraps a handler so that retryable failures are repeated with jittered exponential backoff. */
export function withRetry(
  inner: RawHandler,
  options: RetryOptions,
  random: () => number = Math.random,
): RawHandler {
  return async (request) => {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await inner(request);
      } catch (error) {
        if (attempt >= options.maxRetries || !isRetryable(error)) throw error;
        await sleep(backoffDelay(options, attempt, random), request.signal);
      }
    }
  };
}
