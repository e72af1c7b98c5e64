import { HetznerApiError } from '../errors.js';

/** Resolves after `ms`, or rejects with `aborted` as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortedError(signal));
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortedError(signal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function abortedError(signal: AbortSignal | undefined, operation?: string): HetznerApiError {
  const reason = signal?.reason instanceof Error ? signal.reason.message : 'the caller aborted the request';
  return new HetznerApiError({
    code: 'aborted',
    origin: 'client',
    message: `${operation ?? 'operation'} aborted: ${reason}`,
    ...(operation === undefined ? {} : { operation }),
  });
}
