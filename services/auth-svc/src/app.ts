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
import { purgeErasedUploads } from './gdpr/upload-purge.js';
import { type MediaDependencies, registerMediaRoutes } from './media/media-routes.js';
import { openKeyHierarchy, type PhiSettings, registerPhiFeatures } from './phi/phi-setup.js';
import { registerAuthRoutes } from './routes/auth-routes.js';
import { registerJwksRoutes } from './routes/jwks-routes.js';
import type { RateLimiter } from './security/rate-limiter.js';
import { AccessTokenIssuer } from './tokens/access-tokens.js';
import { RefreshTokenStore } from './tokens/refresh-tokens.js';

export interface AuthAppDependencies {
  db: Database;
  /** ENCRYPTION_MASTER_KEY as 32 raw bytes. */
  masterKey: Buffer;
  /** ENCRYPTION_MASTER_KEY_PREVIOUS: earlier master keys, still accepted for unwrapping during a rotation. */
  previousMasterKeys?: readonly Buffer[];
  /** PHI protection settings: erasure waiting period, shred job interval, clock. */
  phi?: PhiSettings;
  rateLimiter: RateLimiter;
  issuer: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  logLevel: string;
  /** Fastify's `trustProxy`, from `TRUST_PROXY`. */
  trustProxy?: boolean | number | string;
  logStream?: DestinationStream;
  metrics?: ServiceMetrics;
  loginLimits?: LoginLimits;
  /** Extra readiness checks beyond the database, such as Redis or the object store. */
  checks?: Record<string, HealthCheck>;
  version?: string;
  /** The uploads bucket for avatars and portfolio images; without it those routes are absent. */
  media?: Omit<MediaDependencies, 'db'>;
}

/** Builds auth-svc: accounts, tokens and the JWKS, profiles, PHI records, the audit trail and GDPR routes. */
export async function buildAuthApp(deps: AuthAppDependencies): Promise<ServiceApp> {
  let log: ServiceApp['log'] | undefined;
  const { signingKeys, phi } = await openKeyHierarchy({
    ...deps,
    clock: deps.phi?.clock,
    onBackgroundError: (error) =>
      log?.error(
        { error: error instanceof Error ? error.message : String(error) },
        'PHI background task failed',
      ),
  });

  const media = deps.media;
  const app = await createServiceApp({
    service: 'auth-svc',
    version: deps.version ?? '0.1.0',
    description: 'Accounts, tenants, tokens, profiles and PHI protection',
    logLevel: deps.logLevel,
    trustProxy: deps.trustProxy,
    logStream: deps.logStream,
    metrics: deps.metrics,
    checks: {
      database: () => deps.db.ping(),
      ...(media === undefined ? {} : { 'uploads-bucket': () => media.store.checkBucket() }),
      ...deps.checks,
    },
    verifyAccessToken: createAccessTokenVerifier({ keys: signingKeys.keyLookup, issuer: deps.issuer }),
  });
  log = app.log;

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
  const meCache = new MeCache();
  registerAuthRoutes(app, { accounts, repository, meCache });
  if (media !== undefined) registerMediaRoutes(app, { db: deps.db, ...media });
  const purgeUploads =
    media === undefined
      ? undefined
      : () => purgeErasedUploads({ db: deps.db, store: media.store, log: app.log });
  registerPhiFeatures(app, { phi, accounts: repository, meCache, settings: deps.phi, purgeUploads });
  return app;
}
