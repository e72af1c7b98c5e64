import { Redis } from 'ioredis';
import { describeNetworkFailure } from '../../runtime/diagnose.js';
import { type CheckResult, type DoctorContext, failed, ok } from './check.js';

/** Host and port of a Redis URL, without the password it may contain. */
function redisAddress(url: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.hostname}:${parsed.port || '6379'}`;
}

/** Sends one PING to REDIS_URL, when it is set, with a 3 s timeout and no reconnect attempts. */
export async function checkRedis(context: DoctorContext): Promise<CheckResult | undefined> {
  const url = context.config.redisUrl;
  if (url === undefined) return undefined;
  const address = redisAddress(url);
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 3000,
    commandTimeout: 3000,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  // Without reconnects, connect() rejects with a bare "Connection is closed"; the socket error
  // that caused it arrives here first.
  let socketError: unknown;
  redis.on('error', (error: unknown) => {
    socketError ??= error;
  });
  try {
    await redis.connect();
    await redis.ping();
    return ok('redis', `reachable at ${address}`);
  } catch (error) {
    const cause = socketError ?? error;
    const reason = describeNetworkFailure(cause) ?? (cause instanceof Error ? cause.message : String(cause));
    const auth = /NOAUTH|WRONGPASS|invalid password/i.test(reason);
    return failed(
      'redis',
      `cannot connect to Redis at ${address}: ${reason}`,
      auth
        ? 'check the password in REDIS_URL'
        : 'check REDIS_URL and that Redis is running, or unset REDIS_URL to keep rate limits in memory',
    );
  } finally {
    redis.disconnect();
  }
}
