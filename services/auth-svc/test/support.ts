import { randomBytes } from 'node:crypto';
import type { Database } from '@skillancer/database';
import type { ServiceApp } from '@skillancer/service-kit';
import type { LoginLimits } from '../src/accounts/account-service.js';
import { buildAuthApp } from '../src/app.js';
import { MemoryRateLimiter } from '../src/security/rate-limiter.js';

export const TEST_ISSUER = 'skillancer-auth-test';
/** Tests in one block share a database, so they share its master key too. */
export const TEST_MASTER_KEY = Buffer.alloc(32, 7);

export async function buildTestAuthApp(
  db: Database,
  options: { masterKey?: Buffer; loginLimits?: LoginLimits } = {},
): Promise<ServiceApp> {
  const app = await buildAuthApp({
    db,
    masterKey: options.masterKey ?? TEST_MASTER_KEY,
    rateLimiter: new MemoryRateLimiter(),
    issuer: TEST_ISSUER,
    accessTokenTtlSeconds: 300,
    refreshTokenTtlSeconds: 3600,
    logLevel: 'silent',
    loginLimits: options.loginLimits,
  });
  await app.ready();
  return app;
}

let counter = 0;

/** Registers a fresh account and returns its tokens and ids. */
export async function registerUser(
  app: ServiceApp,
  overrides: Partial<{
    email: string;
    password: string;
    displayName: string;
    accountType: 'freelancer' | 'client';
    organizationName: string;
  }> = {},
) {
  counter += 1;
  const body = {
    email: `user${counter}-${randomBytes(4).toString('hex')}@example.com`,
    password: 'correct horse battery staple',
    displayName: `User ${counter}`,
    ...overrides,
  };
  const response = await app.inject({ method: 'POST', url: '/auth/register', payload: body });
  if (response.statusCode !== 201)
    throw new Error(`registration failed: ${response.statusCode} ${response.body}`);
  const json = response.json();
  return {
    email: body.email,
    password: body.password,
    userId: json.user.id as string,
    tenantId: json.tenant.id as string,
    accessToken: json.accessToken as string,
    refreshToken: json.refreshToken as string,
    auth: { authorization: `Bearer ${json.accessToken as string}` },
  };
}
