import { isPhiCryptoError, PhiCryptoError } from '../errors.js';
import type { DependencyObserver } from '../observer.js';
import type { TenantKeyRepository } from './repository.js';

/**
 * Runs one repository call, reports it to `observer` and converts foreign errors (a driver's
 * connection or SQL error) into `key_repository_failed` with the original as `cause`.
 */
export async function observeCall<T>(
  operation: string,
  observer: DependencyObserver | undefined,
  call: () => Promise<T>,
): Promise<T> {
  const started = performance.now();
  try {
    const result = await call();
    observer?.({ operation, durationSeconds: (performance.now() - started) / 1000, outcome: 'ok' });
    return result;
  } catch (cause) {
    const error = isPhiCryptoError(cause)
      ? cause
      : new PhiCryptoError(
          'key_repository_failed',
          `tenant key repository call ${operation} failed; see cause`,
          {
            cause,
          },
        );
    observer?.({
      operation,
      durationSeconds: (performance.now() - started) / 1000,
      outcome: 'error',
      errorCode: error.code,
    });
    throw error;
  }
}

/** Wraps every method of `repository` with `observeCall`, naming operations `tenant_keys.<method>`. */
export function observeRepository(
  repository: TenantKeyRepository,
  observer: DependencyObserver | undefined,
): TenantKeyRepository {
  return {
    loadTenantKeys: (tenantId) =>
      observeCall('tenant_keys.load', observer, () => repository.loadTenantKeys(tenantId)),
    insertKeyVersion: (key) =>
      observeCall('tenant_keys.insert', observer, () => repository.insertKeyVersion(key)),
    listKeysToRewrap: (current, page) =>
      observeCall('tenant_keys.list_to_rewrap', observer, () => repository.listKeysToRewrap(current, page)),
    countKeysToRewrap: (current) =>
      observeCall('tenant_keys.count_to_rewrap', observer, () => repository.countKeysToRewrap(current)),
    replaceWrappedKeys: (replacements) =>
      observeCall('tenant_keys.replace_wrapped', observer, () => repository.replaceWrappedKeys(replacements)),
    setKeyStates: (change) =>
      observeCall('tenant_keys.set_states', observer, () => repository.setKeyStates(change)),
    incrementUsage: (key, count) =>
      observeCall('tenant_keys.increment_usage', observer, () => repository.incrementUsage(key, count)),
    listMasterKeyUsage: () =>
      observeCall('tenant_keys.master_key_usage', observer, () => repository.listMasterKeyUsage()),
  };
}
