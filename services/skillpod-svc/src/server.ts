import type { PlatformConfig } from '@skillancer/config';
import type { Database } from '@skillancer/database';
import {
  createAccessTokenVerifier,
  remoteJwks,
  type ServiceApp,
  type ServiceMetrics,
} from '@skillancer/service-kit';
import { buildSkillpodApp } from './app.js';
import { createVolumeProvider } from './volume-provider.js';

export interface SkillpodServiceContext {
  config: PlatformConfig;
  db: Database;
  masterKey: Buffer;
  metrics: ServiceMetrics;
}

/**
 * Wires configuration to skillpod-svc: access tokens are verified against the JWKS of auth-svc, and
 * pod volumes go to the provider of `config.volumes`, whose Hetzner API calls feed the
 * `hetzner-api` dependency metrics.
 *
 * NOTE: the reconciler interval, the orphan grace period and the operation lease use the defaults of
 * `PodLifecycleSettings`; no environment variable sets them yet.
 */
export async function createSkillpodService(
  context: SkillpodServiceContext,
): Promise<{ app: ServiceApp; close: () => Promise<void> }> {
  const { config } = context;
  const volumes = createVolumeProvider(config.volumes, { observer: context.metrics.observer('hetzner-api') });
  const app = await buildSkillpodApp({
    db: context.db,
    verifyAccessToken: createAccessTokenVerifier({
      keys: remoteJwks(config.auth.jwksUrl),
      issuer: config.auth.issuer,
    }),
    volumes,
    pods: { location: config.volumes.location, defaultSizeGb: config.volumes.defaultSizeGb },
    logLevel: config.logLevel,
    metrics: context.metrics,
  });
  return { app, close: () => app.close() };
}
