import type { RateLimitState } from '../types.js';
import { abortedError, sleep } from './sleep.js';
import type { RawHandler } from './types.js';

/** Reads `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` (UNIX seconds); null if any is missing. */
export function readRateLimit(headers: Headers): RateLimitState | null {
  const limit = Number(headers.get('ratelimit-limit'));
  const remaining = Number(headers.get('ratelimit-remaining'));
  const reset = Number(headers.get('ratelimit-reset'));
  if (
    !headers.has('ratelimit-limit') ||
    !headers.has('ratelimit-remaining') ||
    !headers.has('ratelimit-reset')
  ) {
    return null;
  }
  if (!Number.isFinite(limit) || !Number.isFinite(remaining) || !Number.isFinite(reset) || limit <= 0)
    return null;
  return { limit, remaining, resetAt: new Date(reset * 1000) };
}

/**
 * Paces requests so that the project's budget is not overdrawn. The budget refills gradually (3600 per
 * hour by default), so the refill rate is estimated from the headers: the missing requests refill by
 * `RateLimit-Reset`. Each request takes one request from a local estimate. When the estimate drops
 * below one, callers wait, one at a time, until it has refilled.
 */
export class RatePacer {
  #limit = 0;
  #tokens = 0;
  #tokensAt = 0;
  #refillPerMs = 0;
  #rateLow = 0;
  #rateHigh = Number.POSITIVE_INFINITY;
  #known = false;
  #inFlight = 0;
  #queue: Promise<void> = Promise.resolve();
  readonly #now: () => number;
  #latest: RateLimitState | null = null;
  readonly #releaseWaiters: Array<() => void> = [];

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** Rate-limit state from the latest response, or null before the first one. */
  get state(): RateLimitState | null {
    return this.#latest;
  }

  /** Waits until a request may be sent without overdrawing the budget, then counts it as in flight. */
  acquire(signal?: AbortSignal): Promise<void> {
    const turn = this.#queue.then(() => this.#waitForToken(signal));
    this.#queue = turn.catch(() => undefined);
    return turn;
  }

  /** Records the end of a request and, when the response carried them, the rate-limit headers. */
  release(headers: Headers | null): void {
    this.#inFlight = Math.max(0, this.#inFlight - 1);
    for (const wake of this.#releaseWaiters.splice(0)) wake();
    const state = headers === null ? null : readRateLimit(headers);
    if (state === null) return;

    const now = this.#now();
    this.#estimateRefill(state, now);
    // Requests still in flight may not be counted in this response yet, so assume they were not. Responses
    // can arrive out of order, and an older one reports more budget than is left, so the header may only
    // lower the local estimate, never raise it.
    const observed = Math.max(0, state.remaining - this.#inFlight);
    this.#tokens = this.#known ? Math.min(this.#estimate(now), observed) : observed;
    this.#tokensAt = now;
    this.#limit = state.limit;
    this.#known = true;
    this.#latest = state;
  }

  async #waitForToken(signal: AbortSignal | undefined): Promise<void> {
    for (;;) {
      if (signal?.aborted) throw abortedError(signal);
      if (!this.#known && this.#inFlight > 0) {
        // Until a response has shown the budget, send one request at a time.
        await this.#nextRelease(signal);
        continue;
      }
      const now = this.#now();
      const available = this.#estimate(now);
      if (!this.#known || available >= 1) {
        this.#tokens = available - 1;
        this.#tokensAt = now;
        this.#inFlight += 1;
        return;
      }
      // The refill rate is always positive, because it falls back to the limit per hour before any estimate.
      await sleep(Math.max(1, (1 - available) / this.#refillPerMs), signal);
    }
  }

  /**
   * Narrows the refill rate from one observation. `RateLimit-Reset` is rounded up to whole seconds, so
   * the exact moment of a full budget lies in (reset - 1 s, reset], which bounds the rate from both
   * sides. Bounds from several responses are intersected, and the lower bound is used, so the estimate
   * never overdraws. Bounds that contradict each other mean the limit changed, and they start over.
   * NOTE: this assumes the local clock agrees with the API's; a clock running ahead overestimates the
   * rate, and the resulting 429 responses are then retried.
   */
  #estimateRefill(state: RateLimitState, now: number): void {
    const missing = state.limit - state.remaining;
    const resetAtMs = state.resetAt.getTime();
    if (state.limit !== this.#limit) {
      this.#rateLow = 0;
      this.#rateHigh = Number.POSITIVE_INFINITY;
    }
    if (missing > 0 && resetAtMs > now) {
      const low = missing / (resetAtMs - now);
      const high = resetAtMs - 1000 > now ? missing / (resetAtMs - 1000 - now) : Number.POSITIVE_INFINITY;
      if (low > this.#rateHigh || high < this.#rateLow) {
        this.#rateLow = low;
        this.#rateHigh = high;
      } else {
        this.#rateLow = Math.max(this.#rateLow, low);
        this.#rateHigh = Math.min(this.#rateHigh, high);
      }
    }
    // Without an estimate, assume the documented refill: the whole limit once per hour.
    this.#refillPerMs = this.#rateLow > 0 ? this.#rateLow : state.limit / 3_600_000;
  }

  #nextRelease(signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      const onAbort = (): void => reject(abortedError(signal));
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#releaseWaiters.push(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
    });
  }

  #estimate(now: number): number {
    if (!this.#known) return Number.POSITIVE_INFINITY;
    return Math.min(this.#limit, this.#tokens + (now - this.#tokensAt) * this.#refillPerMs);
  }
}

/** Wraps a handler so that every request waits for the pacer and feeds the response headers back. */
export function withRateLimit(inner: RawHandler, pacer: RatePacer, pace: boolean): RawHandler {
  return async (request) => {
    if (pace) await pacer.acquire(request.signal);
    try {
      const response = await inner(request);
      pacer.release(response.headers);
      return response;
    } catch (error) {
      pacer.release(null);
      throw error;
    }
  };
}
