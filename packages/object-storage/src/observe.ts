import { ObjectStorageError } from './errors.js';
import type { ObjectStoreObserver } from './types.js';

/** Runs one outbound operation and reports its duration and outcome to the observer, if any. */
export type TrackCall = <T>(operation: string, run: () => Promise<T>) => Promise<T>;

export function createTracker(observer: ObjectStoreObserver | undefined): TrackCall {
  return async (operation, run) => {
    const started = performance.now();
    try {
      const result = await run();
      report(observer, { operation, durationSeconds: (performance.now() - started) / 1000, outcome: 'ok' });
      return result;
    } catch (error) {
      report(observer, {
        operation,
        durationSeconds: (performance.now() - started) / 1000,
        outcome: 'error',
        errorCode: error instanceof ObjectStorageError ? error.code : 'unknown',
      });
      throw error;
    }
  };
}

/**
 * Passes an iteration through and reports it to the observer as one operation when it ends, fails or
 * is abandoned by the consumer.
 */
export async function* observeIteration<T>(
  observer: ObjectStoreObserver | undefined,
  operation: string,
  source: AsyncIterable<T>,
): AsyncGenerator<T> {
  const started = performance.now();
  let failure: unknown;
  try {
    yield* source;
  } catch (error) {
    failure = error;
    throw error;
  } finally {
    report(observer, {
      operation,
      durationSeconds: (performance.now() - started) / 1000,
      outcome: failure === undefined ? 'ok' : 'error',
      ...(failure === undefined
        ? {}
        : { errorCode: failure instanceof ObjectStorageError ? failure.code : 'unknown' }),
    });
  }
}

function report(observer: ObjectStoreObserver | undefined, call: Parameters<ObjectStoreObserver>[0]): void {
  if (observer === undefined) {
    return;
  }
  try {
    observer(call);
  } catch {
    // A failing metrics callback must not turn a completed storage operation into an error.
  }
}
