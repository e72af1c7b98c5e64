import { isHetznerError } from '../errors.js';
import { type BackoffOptions, backoffDelay } from '../transport/backoff.js';
import { sleep } from '../transport/sleep.js';

export interface LockedRetryOptions extends BackoffOptions {
  /** Attempts in total, the first included. */
  maxTries: number;
}

/**
 * Runs `operation` again while it fails with `locked` (423: another action runs on the volume or the
 * server), with backoff between tries. Locked is not retried by the transport because the wait depends
 * on how long the other action runs, which only the operation level can judge.
 */
export async function retryOnLocked<T>(
  operation: () => Promise<T>,
  options: LockedRetryOptions,
  signal?: AbortSignal,
): Promise<T> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await operation();
    } catch (error) {
      if (!isHetznerError(error, 'locked') || attempt + 1 >= options.maxTries) throw error;
      await sleep(backoffDelay(options, attempt), signal);
    }
  }
}
