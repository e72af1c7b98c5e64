import type { Database } from '@skillancer/database';
import {
  FilesystemObjectStore,
  type ObjectStore,
  registerFilesystemObjectRoutes,
} from '@skillancer/object-storage';
import {
  type AccessTokenVerifier,
  createServiceApp,
  type HealthCheck,
  type ServiceApp,
  ServiceMetrics,
} from '@skillancer/service-kit';
import type { DestinationStream } from 'pino';
import { registerInvoicePurge } from './erasure/register-invoice-purge.js';
import type { Invoice } from './invoices/invoice.js';
import { InvoiceDocuments } from './invoices/invoice-documents.js';
import { InvoiceService } from './invoices/invoice-service.js';
import { renderInvoicePdf } from './pdf/invoice-pdf.js';
import { registerInvoicePdfRoutes } from './routes/invoice-pdf-routes.js';
import { registerInvoiceRoutes } from './routes/invoice-routes.js';

/** URL path of the filesystem driver's signed downloads; the presigner's base URL must end with it. */
export const FILESYSTEM_DOWNLOAD_PREFIX = '/files/invoices';

export interface CockpitAppDependencies {
  db: Database;
  /** The invoices bucket. A filesystem store with a presigner also gets its download route on this app. */
  invoiceStore: ObjectStore;
  verifyAccessToken: AccessTokenVerifier;
  logLevel: string;
  /** Fastify's `trustProxy`, from `TRUST_PROXY`. */
  trustProxy?: boolean | number | string;
  logStream?: DestinationStream;
  metrics?: ServiceMetrics;
  checks?: Record<string, HealthCheck>;
  version?: string;
  /** Clock for invoice number years; tests replace it. */
  now?: () => Date;
  /** PDF renderer; tests may count or slow down renders. */
  renderPdf?: (invoice: Invoice) => Promise<Buffer>;
  /**
   * Milliseconds between runs of the purge that deletes the invoice PDFs of erased tenants; without
   * it no timer runs.
   */
  erasurePurgeIntervalMs?: number;
}

/** Builds cockpit-svc: invoices and their PDFs. */
export async function buildCockpitApp(deps: CockpitAppDependencies): Promise<ServiceApp> {
  const metrics = deps.metrics ?? new ServiceMetrics('cockpit-svc');
  const app = await createServiceApp({
    service: 'cockpit-svc',
    version: deps.version ?? '0.1.0',
    description: "The freelancer's business cockpit: invoices rendered to PDF",
    logLevel: deps.logLevel,
    trustProxy: deps.trustProxy,
    logStream: deps.logStream,
    metrics,
    checks: {
      database: () => deps.db.ping(),
      'object-store': () => deps.invoiceStore.checkBucket(),
      ...deps.checks,
    },
    verifyAccessToken: deps.verifyAccessToken,
  });

  const invoices = new InvoiceService({ db: deps.db, now: deps.now });
  const documents = new InvoiceDocuments({
    db: deps.db,
    invoices,
    store: deps.invoiceStore,
    render: deps.renderPdf ?? ((invoice) => renderInvoicePdf(invoice)),
  });
  registerInvoiceRoutes(app, { db: deps.db, invoices, documents });
  registerInvoicePdfRoutes(app, { documents });
  if (deps.invoiceStore instanceof FilesystemObjectStore && deps.invoiceStore.presigner !== undefined) {
    await registerFilesystemObjectRoutes(app, deps.invoiceStore, { prefix: FILESYSTEM_DOWNLOAD_PREFIX });
  }
  registerInvoicePurge(app, {
    db: deps.db,
    store: deps.invoiceStore,
    metrics,
    ...(deps.erasurePurgeIntervalMs === undefined ? {} : { intervalMs: deps.erasurePurgeIntervalMs }),
  });
  return app;
}
