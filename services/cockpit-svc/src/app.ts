import type { Database } from '@skillancer/database';
import {
  type AccessTokenVerifier,
  createServiceApp,
  type HealthCheck,
  type ServiceApp,
  type ServiceMetrics,
} from '@skillancer/service-kit';
import type { DestinationStream } from 'pino';
import { registerInvoiceRoutes } from './routes/invoice-routes.js';

export interface CockpitAppDependencies {
  db: Database;
  verifyAccessToken: AccessTokenVerifier;
  logLevel: string;
  logStream?: DestinationStream;
  metrics?: ServiceMetrics;
  checks?: Record<string, HealthCheck>;
  version?: string;
}

/** Builds cockpit-svc: invoices and their PDFs. */
export async function buildCockpitApp(deps: CockpitAppDependencies): Promise<ServiceApp> {
  const app = await createServiceApp({
    service: 'cockpit-svc',
    version: deps.version ?? '0.1.0',
    description: "The freelancer's business cockpit: invoices rendered to PDF",
    logLevel: deps.logLevel,
    logStream: deps.logStream,
    metrics: deps.metrics,
    checks: { database: () => deps.db.ping(), ...deps.checks },
    verifyAccessToken: deps.verifyAccessToken,
  });
  registerInvoiceRoutes(app, { db: deps.db });
  return app;
}
