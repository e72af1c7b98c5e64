import type { Database } from '@skillancer/database';
import { MasterKey, MasterKeyring } from '@skillancer/phi-crypto';
import { createPhiStore, type PhiStore, verifyMasterKeys } from '@skillancer/phi-store';
import type { ServiceApp } from '@skillancer/service-kit';
import type { AccountRepository } from '../accounts/account-repository.js';
import type { MeCache } from '../accounts/me-cache.js';
import { registerAccessLogRoutes } from '../audit/access-log-routes.js';
import { ErasureService } from '../gdpr/erasure-service.js';
import { ExportService } from '../gdpr/export-service.js';
import { registerGdprRoutes } from '../gdpr/gdpr-routes.js';
import { startShredTimer } from '../gdpr/shred-timer.js';
import { ProfileRepository } from '../profile/profile-repository.js';
import { registerProfileRoutes } from '../profile/profile-routes.js';
import { ProfileService } from '../profile/profile-service.js';
import { SigningKeyStore } from '../tokens/signing-keys.js';
import { registerPhiRecordRoutes } from './phi-record-routes.js';
import { PhiRecordService } from './phi-record-service.js';
import { registerTokenRoutes } from './token-routes.js';

/** PHI protection settings of auth-svc. */
export interface PhiSettings {
  /** Hours between an erasure request and the destruction of the keys (TENANT_SHRED_DELAY_HOURS); default 72. */
  tenantShredDelayHours?: number;
  /** Milliseconds between runs of the shred job; without it no timer runs. */
  shredJobIntervalMs?: number;
  /** Milliseconds since the epoch for keys, audit events and erasure deadlines; injectable for tests. */
  clock?: () => number;
}

/** Builds the master keyring from ENCRYPTION_MASTER_KEY and ENCRYPTION_MASTER_KEY_PREVIOUS as raw bytes. */
export function masterKeyringOf(current: Buffer, previous: readonly Buffer[] = []): MasterKeyring {
  return new MasterKeyring(
    MasterKey.fromBytes(current, 'ENCRYPTION_MASTER_KEY'),
    previous.map((key, index) =>
      MasterKey.fromBytes(key, `ENCRYPTION_MASTER_KEY_PREVIOUS entry ${index + 1}`),
    ),
  );
}

/**
 * Checks the master keys before any data is touched and opens the key-dependent parts of
 * auth-svc. First, token signing keys still in the earlier sealed format are converted, which
 * proves the key opens them. Then the configured keys are checked against the stored key check
 * values (the first start stores one), the signing keys load and the audit MAC key loads. A wrong
 * key stops the start here with an error that names ENCRYPTION_MASTER_KEY or
 * ENCRYPTION_MASTER_KEY_PREVIOUS.
 */
export async function openKeyHierarchy(deps: {
  db: Database;
  masterKey: Buffer;
  previousMasterKeys?: readonly Buffer[];
  clock?: () => number;
  onBackgroundError: (error: unknown) => void;
}): Promise<{ masterKeys: MasterKeyring; signingKeys: SigningKeyStore; phi: PhiStore }> {
  const previous = deps.previousMasterKeys ?? [];
  const masterKeys = masterKeyringOf(deps.masterKey, previous);
  const signingKeys = new SigningKeyStore(deps.db, masterKeys, [deps.masterKey, ...previous]);
  await signingKeys.convertLegacyKeys();
  await verifyMasterKeys(deps.db, masterKeys);
  await signingKeys.initialize();
  const phi = createPhiStore({
    db: deps.db,
    masterKeys,
    ...(deps.clock === undefined ? {} : { clock: deps.clock }),
    onBackgroundError: deps.onBackgroundError,
  });
  // Loads (or creates) the audit MAC key before the first request, so no audited request has to
  // create it inside its own transaction.
  await phi.auditMacKeys.current();
  return { masterKeys, signingKeys, phi };
}

/**
 * Registers the PHI records and token API, the access log, profiles and the GDPR routes, and
 * starts the shred job when an interval is set. The job stops and the cached tenant keys are
 * zeroed when the app closes.
 */
export function registerPhiFeatures(
  app: ServiceApp,
  deps: {
    phi: PhiStore;
    accounts: AccountRepository;
    meCache?: MeCache;
    settings?: PhiSettings;
    /** Deletes the uploads of executed erasures; runs after each shred job run. */
    purgeUploads?: () => Promise<unknown>;
  },
): void {
  const { phi } = deps;
  const profiles = new ProfileService(phi, new ProfileRepository(phi.db));
  registerPhiRecordRoutes(app, new PhiRecordService(phi));
  registerTokenRoutes(app, phi);
  registerAccessLogRoutes(app, phi.audit);
  registerProfileRoutes(app, { profiles, ...(deps.meCache === undefined ? {} : { meCache: deps.meCache }) });
  registerGdprRoutes(app, {
    erasure: new ErasureService(phi, deps.accounts, deps.settings?.tenantShredDelayHours ?? 72),
    exports: new ExportService(phi, deps.accounts, profiles),
  });

  const interval = deps.settings?.shredJobIntervalMs;
  const stopTimer =
    interval === undefined
      ? undefined
      : startShredTimer({ store: phi, intervalMs: interval, log: app.log, afterRun: deps.purgeUploads });
  app.addHook('onClose', async () => {
    stopTimer?.();
    phi.close();
  });
}
