import { HetznerApiError } from '../errors.js';
import { withErrorDecoding } from './decode-error.js';
import { withObserver } from './observe.js';
import { RatePacer, withRateLimit } from './rate-limit.js';
import { type RetryOptions, withRetry } from './retry.js';
import { createSender, type SendOptions } from './send.js';
import type { HetznerObserver, TransportRequest, TransportResponse } from './types.js';

export interface TransportOptions extends SendOptions {
  retry: RetryOptions;
  /** Wait for the rate-limit budget before sending instead of running into 429. */
  pace: boolean;
  observer?: HetznerObserver;
  random?: () => number;
}

export interface Transport {
  request(request: TransportRequest): Promise<TransportResponse>;
  readonly pacer: RatePacer;
}

/**
 * Builds the chain send → rate-limit headers → error decoding → observer → retry → JSON parsing.
 * The observer sits inside the retry loop so that each HTTP request is reported once.
 */
export function createTransport(options: TransportOptions): Transport {
  const pacer = new RatePacer();
  const sent = withRateLimit(createSender(options), pacer, options.pace);
  const decoded = withErrorDecoding(sent);
  const observed = withObserver(decoded, options.observer);
  const retried = withRetry(observed, options.retry, options.random);

  return {
    pacer,
    async request(request) {
      const response = await retried(request);
      return { status: response.status, headers: response.headers, body: parseBody(request, response.text) };
    },
  };
}

function parseBody(request: TransportRequest, text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new HetznerApiError({
      code: 'invalid_response',
      origin: 'api',
      operation: request.operation,
      message: `${request.operation} returned a body that is not JSON`,
      cause: error,
    });
  }
}

export { type BackoffOptions, backoffDelay } from './backoff.js';
export { RatePacer, readRateLimit } from './rate-limit.js';
export type { RetryOptions } from './retry.js';
export { isRetryable } from './retry.js';
export { sleep } from './sleep.js';
export type {
  HetznerCall,
  HetznerObserver,
  QueryValue,
  TransportRequest,
  TransportResponse,
} from './types.js';
