import type { HetznerObserver, RawHandler } from './types.js';

/** Wraps a handler so that the observer hears about every HTTP request, retries included. */
export function withObserver(inner: RawHandler, observer: HetznerObserver | undefined): RawHandler {
  if (observer === undefined) return inner;
  return async (request) => {
    const started = performance.now();
    try {
      const response = await inner(request);
      report(observer, request.operation, started, 'ok');
      return response;
    } catch (error) {
      const code =
        typeof (error as { code?: unknown }).code === 'string' ? (error as { code: string }).code : 'unknown';
      report(observer, request.operation, started, 'error', code);
      throw error;
    }
  };
}

function report(
  observer: HetznerObserver,
  operation: string,
  started: number,
  outcome: 'ok' | 'error',
  errorCode?: string,
): void {
  const durationSeconds = (performance.now() - started) / 1000;
  try {
    observer(
      errorCode === undefined
        ? { operation, durationSeconds, outcome }
        : { operation, durationSeconds, outcome, errorCode },
    );
  } catch {
    // An observer that throws must not turn a successful API call into a failure.
  }
}
