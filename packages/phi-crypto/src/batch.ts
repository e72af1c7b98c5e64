import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { isPhiCryptoError, type PhiCryptoError } from './errors.js';

/** Result of one item of a batch: a value or the error of that item alone. */
export type BatchItemResult<T> = { ok: true; value: T } | { ok: false; error: PhiCryptoError };

export interface BatchProgress {
  done: number;
  failed: number;
  total: number;
}

export interface BatchOptions {
  /**
   * Milliseconds of work between yields to the event loop. Default 10, so timers and I/O of other
   * requests wait at most about that long plus one item.
   */
  sliceMs?: number;
  /** Called after every slice and once at the end. */
  onProgress?: (progress: BatchProgress) => void;
  /** Checked between slices; an abort rejects with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * Runs `work` over `items` in order and yields to the event loop with `setImmediate` whenever a
 * slice has run for `sliceMs`. Awaiting promises alone would not yield: resolved promises run as
 * microtasks before any timer or I/O callback. A `PhiCryptoError` fails only its item; any other
 * error is a bug and rejects the whole batch.
 */
export async function runInSlices<I, O>(
  items: readonly I[],
  work: (item: I) => O | Promise<O>,
  options: BatchOptions = {},
): Promise<Array<BatchItemResult<O>>> {
  const sliceMs = options.sliceMs ?? 10;
  const results: Array<BatchItemResult<O>> = [];
  let failed = 0;
  let sliceStart = performance.now();

  for (const item of items) {
    try {
      results.push({ ok: true, value: await work(item) });
    } catch (error) {
      if (!isPhiCryptoError(error)) {
        throw error;
      }
      results.push({ ok: false, error });
      failed += 1;
    }
    if (performance.now() - sliceStart >= sliceMs) {
      options.onProgress?.({ done: results.length, failed, total: items.length });
      options.signal?.throwIfAborted();
      await yieldToEventLoop();
      sliceStart = performance.now();
    }
  }

  options.onProgress?.({ done: results.length, failed, total: items.length });
  return results;
}
