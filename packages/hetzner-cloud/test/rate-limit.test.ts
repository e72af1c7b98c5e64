import { describe, expect, it } from 'vitest';
import { RatePacer, readRateLimit } from '../src/index.js';
import { startHarness, useHarnessCleanup } from './helpers.js';

useHarnessCleanup();

describe('readRateLimit', () => {
  it('reads the three headers', () => {
    const headers = new Headers({
      'RateLimit-Limit': '3600',
      'RateLimit-Remaining': '3599',
      'RateLimit-Reset': '1700000001',
    });
    expect(readRateLimit(headers)).toEqual({
      limit: 3600,
      remaining: 3599,
      resetAt: new Date(1_700_000_001_000),
    });
  });

  it('returns null when a header is missing or not a number', () => {
    expect(readRateLimit(new Headers({ 'RateLimit-Limit': '3600', 'RateLimit-Remaining': '1' }))).toBeNull();
    expect(
      readRateLimit(
        new Headers({ 'RateLimit-Limit': 'x', 'RateLimit-Remaining': '1', 'RateLimit-Reset': '1' }),
      ),
    ).toBeNull();
  });
});

describe('RatePacer', () => {
  it('lets requests through at once while the budget lasts', async () => {
    const pacer = new RatePacer();
    const reset = Math.ceil(Date.now() / 1000) + 3600;
    await pacer.acquire();
    pacer.release(
      new Headers({
        'RateLimit-Limit': '3600',
        'RateLimit-Remaining': '3000',
        'RateLimit-Reset': String(reset),
      }),
    );
    const started = Date.now();
    for (let index = 0; index < 50; index += 1) {
      await pacer.acquire();
      pacer.release(null);
    }
    // A generous bound for a loaded machine: no request may wait for a refill here.
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('waits for the refill when the budget is empty', async () => {
    const pacer = new RatePacer();
    await pacer.acquire();
    // Empty bucket of 10 that is full again in 1 s: one request per 100 ms.
    const reset = (Date.now() + 1000) / 1000;
    pacer.release(
      new Headers({ 'RateLimit-Limit': '10', 'RateLimit-Remaining': '0', 'RateLimit-Reset': String(reset) }),
    );
    const started = Date.now();
    await pacer.acquire();
    await pacer.acquire();
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
  });
});

describe('pacing against the simulator', () => {
  it('finishes a burst larger than the budget without any 429', async () => {
    const { client, simulator, calls } = await startHarness({
      rateLimit: { limit: 10, refillPerSecond: 40 },
    });
    await Promise.all(Array.from({ length: 40 }, () => client.locations.get(1)));
    expect(calls.filter((call) => call.outcome === 'error')).toEqual([]);
    expect(simulator.requests.filter((request) => request.status === 429)).toEqual([]);
    expect(client.rateLimit?.limit).toBe(10);
  });

  it('rides out a 429 storm from another client on the same token', async () => {
    const { client, simulator, calls } = await startHarness({
      rateLimit: { limit: 20, refillPerSecond: 20 },
    });
    // Another client drains the budget behind this client's back.
    for (let index = 0; index < 25; index += 1) {
      await fetch(`${simulator.url}/locations/1`, {
        headers: { authorization: `Bearer ${simulator.token}` },
      });
    }
    const started = Date.now();
    const results = await Promise.all(Array.from({ length: 30 }, () => client.locations.get(2)));
    expect(results.every((location) => location.name === 'nbg1')).toBe(true);
    // 30 requests at 20 per second, after the bucket was empty, cannot finish much faster than 1.5 s.
    expect(Date.now() - started).toBeGreaterThan(1_000);
    const rejected = calls.filter((call) => call.errorCode === 'rate_limit_exceeded').length;
    expect(rejected).toBeLessThanOrEqual(2);
  });
});
