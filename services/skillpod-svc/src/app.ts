import type { Database } from '@skillancer/database';
import {
  type AccessTokenVerifier,
  createServiceApp,
  type HealthCheck,
  type ServiceApp,
  type ServiceMetrics,
} from '@skillancer/service-kit';
import type { DestinationStream } from 'pino';
import { registerPodRoutes } from './routes/pod-routes.js';

export interface SkillpodAppDependencies {
  db: Database;
  verifyAccessToken: AccessTokenVerifier;
  logLevel: string;
  logStream?: DestinationStream;
  metrics?: ServiceMetrics;
  checks?: Record<string, HealthCheck>;
  version?: string;
}

/** Builds skillpod-svc: SkillPods with persistent volumes and session recordings. */
export async function buildSkillpodApp(deps: SkillpodAppDependencies): Promise<ServiceApp> {
  const app = await createServiceApp({
    service: 'skillpod-svc',
    version: deps.version ?? '0.1.0',
    description: 'SkillPods: secure remote workspaces with persistent volumes and session recordings',
    logLevel: deps.logLevel,
    logStream: deps.logStream,
    metrics: deps.metrics,
    checks: { database: () => deps.db.ping(), ...deps.checks },
    verifyAccessToken: deps.verifyAccessToken,
  });
  registerPodRoutes(app, { db: deps.db });
  return app;
}
