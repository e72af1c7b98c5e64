import { DatabaseError } from './errors.js';
import type { DependencyObserver } from './types.js';

/**
 * Runs `call` and reports it to `observer` once, with the SQLSTATE (or the stable code when there is
 * none) as `errorCode` on failure. `call` must already throw `DatabaseError`s. An observer that
 * throws is ignored, so that a metrics bug cannot fail a query that the database already ran.
 */
export async function observeCall<T>(
  observer: DependencyObserver | undefined,
  operation: string,
  call: () => Promise<T>,
): Promise<T> {
  if (observer === undefined) {
    return call();
  }
  const started = process.hrtime.bigint();
  const report = (outcome: 'ok' | 'error', errorCode?: string) => {
    const durationSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    try {
      observer(
        errorCode === undefined
          ? { operation, durationSeconds, outcome }
          : { operation, durationSeconds, outcome, errorCode },
      );
    } catch {
      // Ignored on purpose, see the function comment.
    }
  };
  try {
    const value = await call();
    report('ok');
    return value;
  } catch (error) {
    report('error', errorCodeOf(error));
    throw error;
  }
}

function errorCodeOf(error: unknown): string {
  if (error instanceof DatabaseError) {
    return error.sqlState ?? error.code;
  }
  return 'rolled_back';
}
