import type { PlatformConfig } from '@skillancer/config';
import type { Database } from '@skillancer/database';
import { createObjectStore, type ObjectStore } from '@skillancer/object-storage';
import { MasterKeyring } from '@skillancer/phi-crypto';
import { createPhiStore, verifyMasterKeys } from '@skillancer/phi-store';
import {
  createAccessTokenVerifier,
  remoteJwks,
  type ServiceApp,
  type ServiceMetrics,
} from '@skillancer/service-kit';
import { buildSkillpodApp } from './app.js';
import { AuditTrailPodEventSink } from './events/audit-pod-events.js';
import { createVolumeProvider } from './volume-provider.js';

/**
 * Time between retention sweeps of session recordings.
 * NOTE: fixed at one hour; no environment variable sets it yet.
 */
const RECORDING_SWEEP_INTERVAL_MS = 60 * 60 * 1000;

/**
 * How often each replica looks for executed erasures of deleted tenants whose recording chunks are
 * still stored. The purge lock lets one replica at a time delete them. It matches auth-svc's shred
 * job interval.
 * NOTE: fixed at five minutes; no environment variable sets it yet.
 */
const ERASURE_PURGE_INTERVAL_MS = 5 * 60_000;

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
  const masterKeys = MasterKeyring.fromHex({
    current: context.masterKey.toString('hex'),
    previous: config.encryption.previousMasterKeysHex,
  });
  await verifyMasterKeys(context.db, masterKeys);
  const phi = createPhiStore({ db: context.db, masterKeys, observer: context.metrics.observer('database') });
  // Loads (or creates) the audit MAC key before the first request, so no pod change has to create
  // it inside its own transaction.
  await phi.auditMacKeys.current();
  const recordingStore = createRecordingStore(context);
  const closeRecordings = async (): Promise<void> => {
    await recordingStore.close();
    phi.close();
  };
  const volumes = createVolumeProvider(config.volumes, { observer: context.metrics.observer('hetzner-api') });
  const app = await buildSkillpodApp({
    db: context.db,
    verifyAccessToken: createAccessTokenVerifier({
      keys: remoteJwks(config.auth.jwksUrl),
      issuer: config.auth.issuer,
    }),
    volumes,
    events: new AuditTrailPodEventSink(phi.audit),
    pods: { location: config.volumes.location, defaultSizeGb: config.volumes.defaultSizeGb },
    logLevel: config.logLevel,
    trustProxy: config.trustProxy,
    metrics: context.metrics,
    recordings: {
      store: recordingStore,
      keys: phi.keys,
      audit: phi.audit,
      settings: {
        defaultRetentionDays: config.recordings.retentionDays,
        sweepIntervalMs: RECORDING_SWEEP_INTERVAL_MS,
        erasurePurgeIntervalMs: ERASURE_PURGE_INTERVAL_MS,
      },
    },
  }).catch(async (error: unknown) => {
    await closeRecordings();
    throw error;
  });
  return {
    app,
    close: async () => {
      await app.close();
      await closeRecordings();
    },
  };
}

/** The recordings bucket (`S3_BUCKET_RECORDINGS`) on the configured storage driver. */
function createRecordingStore(context: SkillpodServiceContext): ObjectStore {
  const storage = context.config.storage;
  return createObjectStore({
    ...storage,
    bucket: storage.buckets.recordings,
    observer: context.metrics.observer('object-store'),
  });
}
