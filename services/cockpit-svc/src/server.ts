import { hkdfSync } from 'node:crypto';
import type { PlatformConfig } from '@skillancer/config';
import type { Database } from '@skillancer/database';
import { createObjectStore, type ObjectStore } from '@skillancer/object-storage';
import {
  createAccessTokenVerifier,
  remoteJwks,
  type ServiceApp,
  type ServiceMetrics,
  serviceBaseUrl,
} from '@skillancer/service-kit';
import { buildCockpitApp, FILESYSTEM_DOWNLOAD_PREFIX } from './app.js';

/**
 * How often each replica looks for executed erasures of deleted tenants whose invoice PDFs are still
 * stored. The purge lock lets one replica at a time delete them. It matches auth-svc's shred job
 * interval.
 * NOTE: fixed at five minutes; no environment variable sets it yet.
 */
const ERASURE_PURGE_INTERVAL_MS = 5 * 60_000;

export interface CockpitServiceContext {
  config: PlatformConfig;
  db: Database;
  masterKey: Buffer;
  metrics: ServiceMetrics;
  /** Port that the caller makes the app listen on. Filesystem storage links name it unless a public URL is set. */
  listenPort: number;
}

/**
 * Wires configuration to cockpit-svc: access tokens are verified against the JWKS of auth-svc, and
 * invoice PDFs go to the invoices bucket (`S3_BUCKET`) of the configured storage driver.
 */
export async function createCockpitService(
  context: CockpitServiceContext,
): Promise<{ app: ServiceApp; close: () => Promise<void> }> {
  const { config } = context;
  const invoiceStore = createInvoiceStore(context);
  try {
    const app = await buildCockpitApp({
      db: context.db,
      invoiceStore,
      verifyAccessToken: createAccessTokenVerifier({
        keys: remoteJwks(config.auth.jwksUrl),
        issuer: config.auth.issuer,
      }),
      logLevel: config.logLevel,
      trustProxy: config.trustProxy,
      metrics: context.metrics,
      erasurePurgeIntervalMs: ERASURE_PURGE_INTERVAL_MS,
    });
    return {
      app,
      close: async () => {
        await app.close();
        await invoiceStore.close();
      },
    };
  } catch (error) {
    await invoiceStore.close();
    throw error;
  }
}

function createInvoiceStore(context: CockpitServiceContext): ObjectStore {
  const { config } = context;
  const storage = config.storage;
  return createObjectStore({
    ...storage,
    bucket: storage.buckets.invoices,
    observer: context.metrics.observer('object-store'),
    ...(storage.driver === 'filesystem' ? { presign: filesystemPresign(context) } : {}),
  });
}

/**
 * Signing settings for the filesystem driver's download URLs, which this service serves itself.
 * The HMAC key is derived from the master key, so every replica with the same master key accepts
 * the same URLs and no extra secret needs configuring. The URLs start with `COCKPIT_PUBLIC_URL`,
 * or else with `HOST` and the port this service listens on.
 */
function filesystemPresign(context: CockpitServiceContext): { secret: Uint8Array; baseUrl: string } {
  const { config } = context;
  const secret = new Uint8Array(
    hkdfSync('sha256', context.masterKey, 'skillancer', 'cockpit-svc filesystem download URLs', 32),
  );
  const cockpitBaseUrl = serviceBaseUrl({
    host: config.host,
    port: context.listenPort,
    publicUrl: config.publicUrls.cockpit,
  });
  return { secret, baseUrl: `${cockpitBaseUrl}${FILESYSTEM_DOWNLOAD_PREFIX}` };
}
