import type { PlatformConfig } from '@skillancer/config';
import type { Database } from '@skillancer/database';
import {
  createAccessTokenVerifier,
  remoteJwks,
  type ServiceApp,
  type ServiceMetrics,
} from '@skillancer/service-kit';
import { buildSkillpodApp } from './app.js';

export interface SkillpodServiceContext {
  config: PlatformConfig;
  db: Database;
  masterKey: Buffer;
  metrics: ServiceMetrics;
}

/** Wires configuration to skillpod-svc; access tokens are verified against the JWKS of auth-svc. */
export async function createSkillpodService(
  context: SkillpodServiceContext,
): Promise<{ app: ServiceApp; close: () => Promise<void> }> {
  const { config } = context;
  const app = await buildSkillpodApp({
    db: context.db,
    verifyAccessToken: createAccessTokenVerifier({
      keys: remoteJwks(config.auth.jwksUrl),
      issuer: config.auth.issuer,
    }),
    logLevel: config.logLevel,
    metrics: context.metrics,
  });
  return { app, close: () => app.close() };
}
