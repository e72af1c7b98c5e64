import type { DependencyObserver } from '@skillancer/service-kit';
import type { Redis } from 'ioredis';

export interface RateLimitResult {
  allowed: boolean;
  /** Seconds until the current window ends. */
  retryAfterSeconds: number;
}

/** Fixed-window counters: `hit` counts one event for `key` and returns whether it is within `limit`. */
export interface RateLimiter {
  hit(key: string, limit: number, windowSeconds: number): Promise<RateLimitResult>;
  close(): Promise<void>;
}

/** Counters in this process only; used without `REDIS_URL`, so each replica limits on its own. */
export class MemoryRateLimiter implements RateLimiter {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();

  async hit(key: string, limit: number, windowSeconds: number): Promise<RateLimitResult> {
    const now = Date.now();
    let window = this.windows.get(key);
    if (!window || window.resetAt <= now) {
      window = { count: 0, resetAt: now + windowSeconds * 1000 };
      this.windows.set(key, window);
      if (this.windows.size > 100_000) this.evictExpired(now);
    }
    window.count += 1;
    return {
      allowed: window.count <= limit,
      retryAfterSeconds: Math.max(1, Math.ceil((window.resetAt - now) / 1000)),
    };
  }

  async close(): Promise<void> {
    this.windows.clear();
  }

  private evictExpired(now: number): void {
    for (const [key, window] of this.windows) if (window.resetAt <= now) this.windows.delete(key);
  }
}

/** Counters in Redis, shared by every auth-svc replica. */
export class RedisRateLimiter implements RateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'skillancer:ratelimit:',
    private readonly observer?: DependencyObserver,
  ) {}

  async hit(key: string, limit: number, windowSeconds: number): Promise<RateLimitResult> {
    const started = performance.now();
    try {
      const result = await this.count(key, limit, windowSeconds);
      this.observe(started, 'ok');
      return result;
    } catch (error) {
      this.observe(started, 'error', (error as { code?: unknown }).code);
      throw error;
    }
  }

  private observe(started: number, outcome: 'ok' | 'error', code?: unknown): void {
    this.observer?.({
      operation: 'rate_limit_hit',
      durationSeconds: (performance.now() - started) / 1000,
      outcome,
      ...(outcome === 'error' ? { errorCode: typeof code === 'string' ? code : 'redis_error' } : {}),
    });
  }

  private async count(key: string, limit: number, windowSeconds: number): Promise<RateLimitResult> {
    const redisKey = `${this.prefix}${key}`;
    const results = await this.redis
      .multi()
      .incr(redisKey)
      .expire(redisKey, windowSeconds, 'NX')
      .ttl(redisKey)
      .exec();
    if (!results) throw new Error('Redis rate limit transaction was aborted');
    const count = Number(results[0]?.[1]);
    const ttl = Number(results[2]?.[1]);
    return { allowed: count <= limit, retryAfterSeconds: ttl > 0 ? ttl : windowSeconds };
  }

  async close(): Promise<void> {
    await this.redis.quit();
  }
}
