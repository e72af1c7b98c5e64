import type { Database } from '@skillancer/database';
import {
  createAccessTokenVerifier,
  createServiceApp,
  type HealthCheck,
  type ServiceApp,
  type ServiceMetrics,
} from '@skillancer/service-kit';
import type { DestinationStream } from 'pino';
import { AccountRepository } from './accounts/account-repository.js';
import { AccountService, DEFAULT_LOGIN_LIMITS, type LoginLimits } from './accounts/account-service.js';
import { MeCache } from './accounts/me-cache.js';
import { type MediaDependencies, registerMediaRoutes } from './media/media-routes.js';
import { registerAuthRoutes } from './routes/auth-routes.js';
import { registerJwksRoutes } from './routes/jwks-routes.js';
import type { RateLimiter } from './security/rate-limiter.js';
import { AccessTokenIssuer } from './tokens/access-tokens.js';
import { RefreshTokenStore } from './tokens/refresh-tokens.js';
import { SigningKeyStore } from './tokens/signing-keys.js';

export interface AuthAppDependencies {
  db: Database;
  masterKey: Buffer;
  rateLimiter: RateLimiter;
  issuer: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  logLevel: string;
  logStream?: DestinationStream;
  metrics?: ServiceMetrics;
  loginLimits?: LoginLimits;
  /** Extra readiness checks beyond the database, such as Redis or the object store. */
  checks?: Record<string, HealthCheck>;
  version?: string;
  /** The uploads bucket for avatars and portfolio images; without it those routes are absent. */
  media?: Omit<MediaDependencies, 'db'>;
}

/** Builds auth-svc: accounts, tokens and the JWKS. */
export async function buildAuthApp(deps: AuthAppDependencies): Promise<ServiceApp> {
  const signingKeys = new SigningKeyStore(deps.db, deps.masterKey);
  await signingKeys.initialize();

  const media = deps.media;
  const app = await createServiceApp({
    service: 'auth-svc',
    version: deps.version ?? '0.1.0',
    description: 'Accounts, tenants, tokens, profiles and PHI protection',
    logLevel: deps.logLevel,
    logStream: deps.logStream,
    metrics: deps.metrics,
    checks: {
      database: () => deps.db.ping(),
      ...(media === undefined ? {} : { 'uploads-bucket': () => media.store.checkBucket() }),
      ...deps.checks,
    },
    verifyAccessToken: createAccessTokenVerifier({ keys: signingKeys.keyLookup, issuer: deps.issuer }),
  });

  const repository = new AccountRepository(deps.db);
  const refreshTokens = new RefreshTokenStore(deps.db, deps.refreshTokenTtlSeconds);
  const accessTokens = new AccessTokenIssuer(signingKeys, deps.issuer, deps.accessTokenTtlSeconds);
  const accounts = new AccountService(
    deps.db,
    repository,
    refreshTokens,
    accessTokens,
    deps.rateLimiter,
    deps.loginLimits ?? DEFAULT_LOGIN_LIMITS,
  );

  registerJwksRoutes(app, signingKeys);
  registerAuthRoutes(app, { accounts, repository, meCache: new MeCache() });
  if (media !== undefined) registerMediaRoutes(app, { db: deps.db, ...media });
  return app;
}
