import type { PlatformConfig } from '@skillancer/config';
import type { Database } from '@skillancer/database';
import type { ServiceApp, ServiceMetrics } from '@skillancer/service-kit';
import { Redis } from 'ioredis';
import { buildAuthApp } from './app.js';
import { createUploadsStore } from './media/uploads-store.js';
import { MemoryRateLimiter, type RateLimiter, RedisRateLimiter } from './security/rate-limiter.js';

/** How often each replica looks for due tenant erasures; the job lock lets one replica run them at a time. */
const SHRED_JOB_INTERVAL_MS = 5 * 60_000;

export interface AuthServiceContext {
  config: PlatformConfig;
  db: Database;
  masterKey: Buffer;
  metrics: ServiceMetrics;
  /** Port that the caller makes the app listen on. Filesystem storage links name it unless a public URL is set. */
  listenPort: number;
}

/** Wires configuration to auth-svc: the rate limiter on Redis when `REDIS_URL` is set, in memory otherwise. */
export async function createAuthService(
  context: AuthServiceContext,
): Promise<{ app: ServiceApp; close: () => Promise<void> }> {
  const { config } = context;
  let rateLimiter: RateLimiter;
  const checks: Record<string, () => Promise<void>> = {};
  if (config.redisUrl) {
    const redis = new Redis(config.redisUrl, {
      lazyConnect: true,
      maxRetriesPerRequest: 2,
      enableOfflineQueue: false,
    });
    await redis.connect();
    rateLimiter = new RedisRateLimiter(redis, undefined, context.metrics.observer('redis'));
    checks.redis = async () => {
      await redis.ping();
    };
  } else {
    rateLimiter = new MemoryRateLimiter();
  }

  const uploads = createUploadsStore(config, {
    masterKey: context.masterKey,
    listenPort: context.listenPort,
    observer: context.metrics.observer('object-store'),
  });
  const app = await buildAuthApp({
    db: context.db,
    masterKey: context.masterKey,
    previousMasterKeys: config.encryption.previousMasterKeysHex.map((hex) => Buffer.from(hex, 'hex')),
    phi: { tenantShredDelayHours: config.tenantShredDelayHours, shredJobIntervalMs: SHRED_JOB_INTERVAL_MS },
    rateLimiter,
    issuer: config.auth.issuer,
    accessTokenTtlSeconds: config.auth.accessTokenTtlSeconds,
    refreshTokenTtlSeconds: config.auth.refreshTokenTtlSeconds,
    logLevel: config.logLevel,
    trustProxy: config.trustProxy,
    metrics: context.metrics,
    checks,
    media: {
      store: uploads,
      ...(config.storage.cdnUrl === undefined ? {} : { cdnUrl: config.storage.cdnUrl }),
    },
  });
  return {
    app,
    close: async () => {
      await app.close();
      await rateLimiter.close();
      await uploads.close();
    },
  };
}
