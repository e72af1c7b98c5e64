import { randomUUID } from 'node:crypto';
import type { DependencyCall } from '@skillancer/service-kit';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryRateLimiter, type RateLimiter, RedisRateLimiter } from '../src/security/rate-limiter.js';

const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function redisAvailable(): Promise<boolean> {
  const probe = new Redis(redisUrl, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    connectTimeout: 2000,
  });
  try {
    await probe.connect();
    await probe.ping();
    return true;
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

// CI sets TEST_REDIS_URL, so there an unreachable Redis fails the suite instead of skipping it.
const available = await redisAvailable();
if (!available && process.env.TEST_REDIS_URL) throw new Error(`Redis at ${redisUrl} is unreachable`);

function sharedCases(name: string, create: () => RateLimiter) {
  describe(name, () => {
    it('allows hits up to the limit', async () => {
      const limiter = create();
      const key = randomUUID();
      const results = [];
      for (let hit = 0; hit < 4; hit++) results.push(await limiter.hit(key, 3, 60));

      expect(results.map((result) => result.allowed)).toEqual([true, true, true, false]);
      expect(results[3]?.retryAfterSeconds).toBeGreaterThan(0);
      expect(results[3]?.retryAfterSeconds).toBeLessThanOrEqual(60);
    });

    it('counts keys separately', async () => {
      const limiter = create();
      await limiter.hit(`a-${randomUUID()}`, 1, 60);

      expect((await limiter.hit(`b-${randomUUID()}`, 1, 60)).allowed).toBe(true);
    });
  });
}

sharedCases('MemoryRateLimiter', () => new MemoryRateLimiter());

describe.skipIf(!available)('RedisRateLimiter', () => {
  const redis = new Redis(redisUrl);
  const prefix = `skillancer:test:${randomUUID()}:`;
  const calls: DependencyCall[] = [];

  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  sharedCases('on Redis', () => new RedisRateLimiter(redis, prefix, (call) => calls.push(call)));

  it('shares counters between limiters, as replicas do', async () => {
    const key = randomUUID();
    const first = new RedisRateLimiter(redis, prefix);
    const second = new RedisRateLimiter(redis, prefix);
    await first.hit(key, 2, 60);
    await second.hit(key, 2, 60);

    expect((await first.hit(key, 2, 60)).allowed).toBe(false);
  });

  it('reports each call to the observer', () => {
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.every((call) => call.operation === 'rate_limit_hit' && call.outcome === 'ok')).toBe(true);
  });
});
