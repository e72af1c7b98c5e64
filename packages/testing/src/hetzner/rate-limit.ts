export interface RateLimitOptions {
  /** Bucket size, sent as `RateLimit-Limit` (the API's default is 3600 per hour). */
  limit: number;
  /** Requests added back per second (the API's default is 1). */
  refillPerSecond: number;
}

export interface RateLimitVerdict {
  allowed: boolean;
  headers: Record<string, string>;
}

/**
 * A token bucket per API token (a project in the real API): every request takes one token, the bucket
 * refills gradually, and an empty bucket answers 429. Requests without a valid token share one bucket.
 */
export class RateLimiter {
  #options: RateLimitOptions;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(options: RateLimitOptions) {
    this.#options = options;
  }

  configure(options: RateLimitOptions): void {
    this.#options = options;
    this.#buckets.clear();
  }

  take(key: string, now = Date.now()): RateLimitVerdict {
    const { limit, refillPerSecond } = this.#options;
    const bucket = this.#buckets.get(key) ?? { tokens: limit, at: now };
    bucket.tokens = Math.min(limit, bucket.tokens + ((now - bucket.at) / 1000) * refillPerSecond);
    bucket.at = now;
    const allowed = bucket.tokens >= 1;
    if (allowed) bucket.tokens -= 1;
    this.#buckets.set(key, bucket);
    const secondsToFull = refillPerSecond > 0 ? (limit - bucket.tokens) / refillPerSecond : 0;
    return {
      allowed,
      headers: {
        'RateLimit-Limit': String(limit),
        'RateLimit-Remaining': String(Math.floor(bucket.tokens)),
        'RateLimit-Reset': String(Math.ceil(now / 1000 + secondsToFull)),
      },
    };
  }
}
