import { randomBytes } from 'node:crypto';
import { MemoryRateLimiter } from '@skillancer/auth-svc';
import { buildAuthApp } from '@skillancer/auth-svc/app';
import { migrate, openDatabase } from '@skillancer/database';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import type { BenchResult } from './types.js';

const DURATION_SECONDS = 8;
const CONNECTIONS = 20;

async function measure(url: string, headers: Record<string, string> = {}): Promise<number> {
  const result = await autocannon({ url, connections: CONNECTIONS, duration: DURATION_SECONDS, headers });
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(
      `${url}: ${result.non2xx} non-2xx responses and ${result.errors} errors during the benchmark`,
    );
  }
  return result.requests.average;
}

/** Requests per second of GET /auth/me (token verification plus one database read) beside a bare Fastify route. */
export default async function run(): Promise<BenchResult> {
  const bare = Fastify({ logger: false });
  bare.get('/hello', async () => ({ hello: 'world' }));
  await bare.listen({ host: '127.0.0.1', port: 0 });
  const bareAddress = bare.server.address();
  if (!bareAddress || typeof bareAddress === 'string') throw new Error('bare server has no port');

  const db = await openDatabase({ url: process.env.BENCH_DATABASE_URL });
  await migrate(db);
  const app = await buildAuthApp({
    db,
    masterKey: randomBytes(32),
    rateLimiter: new MemoryRateLimiter(),
    issuer: 'bench',
    accessTokenTtlSeconds: 900,
    refreshTokenTtlSeconds: 3600,
    logLevel: 'warn',
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const authAddress = app.server.address();
  if (!authAddress || typeof authAddress === 'string') throw new Error('auth-svc has no port');
  const registered = await app.inject({
    method: 'POST',
    url: '/auth/register',
    payload: { email: 'bench@example.com', password: 'correct horse battery staple', displayName: 'Bench' },
  });
  const token = registered.json<{ accessToken: string }>().accessToken;

  try {
    // Warm up both servers so JIT compilation does not count against either.
    await autocannon({
      url: `http://127.0.0.1:${bareAddress.port}/hello`,
      connections: CONNECTIONS,
      duration: 2,
    });
    const bareRate = await measure(`http://127.0.0.1:${bareAddress.port}/hello`);
    const meRate = await measure(`http://127.0.0.1:${authAddress.port}/auth/me`, {
      authorization: `Bearer ${token}`,
    });
    return {
      name: 'auth-me',
      figures: [
        {
          metric: `GET /auth/me (${db.engine})`,
          value: meRate,
          unit: 'req/s',
          baseline: 'bare Fastify route',
          baselineValue: bareRate,
          ratio: meRate / bareRate,
          target: { op: '>=', value: 0.5 },
        },
      ],
    };
  } finally {
    await app.close();
    await bare.close();
    await db.close();
  }
}
