import { isPhiCryptoError, PhiCryptoError, type PhiCryptoErrorCode } from '../errors.js';
import { zeroize } from '../internal/bytes.js';
import { unwrapKey, wrapKey } from './key-wrap.js';
import type { MasterKeyring } from './master-keyring.js';
import type {
  MasterKeyUsage,
  TenantKeyRef,
  TenantKeyRepository,
  WrappedKeyReplacement,
} from './repository.js';

export interface RewrapProgress {
  /** Keys not wrapped by the current master key when the run started. */
  total: number;
  /** Keys this run rewrapped. */
  rewrapped: number;
  /** Keys another process rewrapped or destroyed between listing and writing. */
  skipped: number;
  /** Keys that could not be unwrapped; listed in `RewrapSummary.failures`. */
  failed: number;
}

export interface RewrapFailure extends TenantKeyRef {
  masterKeyId: string;
  code: PhiCryptoErrorCode;
  message: string;
}

export interface RewrapSummary extends RewrapProgress {
  currentMasterKeyId: string;
  failures: RewrapFailure[];
  /** Keys still not wrapped by the current master key after the run; 0 means the old keys can be removed. */
  remaining: number;
}

export interface RewrapOptions {
  /** Keys read, rewrapped and written per repository round trip. Default 100. */
  pageSize?: number;
  onProgress?: (progress: RewrapProgress) => void;
  /** Stops between pages; the run can be started again and continues with the keys still left. */
  signal?: AbortSignal;
}

/**
 * Rewraps every tenant key that is not wrapped by the current master key, page by page. PHI is
 * not touched: only the 32-byte tenant keys are decrypted and encrypted again.
 *
 * The run is resumable because it selects keys by "not wrapped by the current master key", so a
 * second run after a crash or abort continues with what is left. Keys that fail to unwrap (their
 * master key is missing from the keyring, or the row is corrupt) are reported and skipped.
 * Run it after every replica uses the new current key, or keys created by a replica that still
 * has the old configuration remain on the old key until the next run.
 */
export async function rewrapTenantKeys(
  masterKeys: MasterKeyring,
  repository: TenantKeyRepository,
  options: RewrapOptions = {},
): Promise<RewrapSummary> {
  const current = masterKeys.current;
  const pageSize = options.pageSize ?? 100;
  const progress: RewrapProgress = {
    total: await repository.countKeysToRewrap(current.id),
    rewrapped: 0,
    skipped: 0,
    failed: 0,
  };
  const failures: RewrapFailure[] = [];
  let after: TenantKeyRef | undefined;

  for (;;) {
    options.signal?.throwIfAborted();
    const page = await repository.listKeysToRewrap(current.id, { after, limit: pageSize });
    if (page.length === 0) {
      break;
    }

    const replacements: WrappedKeyReplacement[] = [];
    for (const record of page) {
      const ref = { tenantId: record.tenantId, purpose: record.purpose, version: record.version };
      try {
        const raw = unwrapKey(masterKeys.get(record.masterKeyId), ref, record.wrappedKey ?? '');
        try {
          const wrappedKey = wrapKey(current, ref, raw);
          replacements.push({
            ...ref,
            expectedMasterKeyId: record.masterKeyId,
            wrappedKey,
            masterKeyId: current.id,
          });
        } finally {
          zeroize(raw);
        }
      } catch (error) {
        if (!isPhiCryptoError(error)) {
          throw error;
        }
        failures.push({ ...ref, masterKeyId: record.masterKeyId, code: error.code, message: error.message });
        progress.failed += 1;
      }
    }

    const updated = replacements.length === 0 ? 0 : await repository.replaceWrappedKeys(replacements);
    progress.rewrapped += updated;
    progress.skipped += replacements.length - updated;
    const last = page[page.length - 1];
    after = last && { tenantId: last.tenantId, purpose: last.purpose, version: last.version };
    options.onProgress?.({ ...progress });
  }

  return {
    ...progress,
    currentMasterKeyId: current.id,
    failures,
    remaining: await repository.countKeysToRewrap(current.id),
  };
}

export interface MasterKeyStatus {
  currentMasterKeyId: string;
  configuredMasterKeyIds: string[];
  /** Master keys that wrap live tenant keys, with whether each is configured. */
  inUse: Array<MasterKeyUsage & { configured: boolean }>;
  /** Keys still to rewrap onto the current master key. */
  keysToRewrap: number;
}

/** Reports which master keys wrap live tenant keys and whether each is configured. */
export async function readMasterKeyStatus(
  masterKeys: MasterKeyring,
  repository: TenantKeyRepository,
): Promise<MasterKeyStatus> {
  const usage = await repository.listMasterKeyUsage();
  return {
    currentMasterKeyId: masterKeys.current.id,
    configuredMasterKeyIds: masterKeys.ids,
    inUse: usage.map((u) => ({ ...u, configured: masterKeys.has(u.masterKeyId) })),
    keysToRewrap: await repository.countKeysToRewrap(masterKeys.current.id),
  };
}

/** Throws `master_key_unknown` when `status` lists live tenant keys under a master key that is not configured. */
export function assertMasterKeysConfigured(status: MasterKeyStatus): void {
  const missing = status.inUse.filter((u) => !u.configured);
  if (missing.length === 0) {
    return;
  }
  const list = missing.map((u) => `${u.masterKeyId} (${u.keyCount} keys)`).join(', ');
  throw new PhiCryptoError(
    'master_key_unknown',
    `tenant keys are wrapped by master keys that are not configured: ${list}; configured: ` +
      `${status.configuredMasterKeyIds.join(', ')}. Check ENCRYPTION_MASTER_KEY and the previous master keys`,
    { details: { missingMasterKeyIds: missing.map((u) => u.masterKeyId).join(',') } },
  );
}
