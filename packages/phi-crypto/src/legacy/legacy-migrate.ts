import type { BatchItemResult, BatchProgress } from '../batch.js';
import { isPhiCryptoError, requireArgument } from '../errors.js';
import type { FieldEncryptor } from '../field-encryptor.js';
import type { FieldContext } from '../format/field-context.js';
import type { MasterKeyring } from '../keys/master-keyring.js';
import { decryptLegacy } from './legacy-decrypt.js';
import type { LegacyCiphertextJson } from './legacy-format.js';

export interface LegacyMigrationItem {
  /** Where the value lives; its tenant must be the one in the legacy keyId. */
  context: FieldContext;
  stored: string | LegacyCiphertextJson;
  legacyContext?: unknown;
}

export interface LegacyMigrationOptions {
  /**
   * Values decrypted at once. PBKDF2 runs on the libuv thread pool (4 threads unless
   * UV_THREADPOOL_SIZE says otherwise), so more than the pool size only queues. Default 2.
   */
  concurrency?: number;
  onProgress?: (progress: BatchProgress) => void;
  signal?: AbortSignal;
}

/** Decrypts one legacy value and encrypts it again in the current format under `item.context`. */
export async function migrateLegacyValue(
  masterKeys: MasterKeyring,
  encryptor: FieldEncryptor,
  item: LegacyMigrationItem,
): Promise<string> {
  const plaintext = await decryptLegacy(masterKeys, {
    tenantId: item.context.tenantId,
    stored: item.stored,
    legacyContext: item.legacyContext,
  });
  return encryptor.encrypt(item.context, plaintext);
}

/**
 * Migrates many legacy values with bounded concurrency; results are in input order and errors
 * are per item. The caller writes each new ciphertext back and can resume with the rows still
 * in the legacy format (see `isLegacyCiphertext`).
 */
export async function migrateLegacyBatch(
  masterKeys: MasterKeyring,
  encryptor: FieldEncryptor,
  items: readonly LegacyMigrationItem[],
  options: LegacyMigrationOptions = {},
): Promise<Array<BatchItemResult<string>>> {
  const concurrency = options.concurrency ?? 2;
  requireArgument(
    Number.isInteger(concurrency) && concurrency >= 1,
    'concurrency must be a positive integer',
    'concurrency',
  );
  const results: Array<BatchItemResult<string>> = new Array(items.length);
  let next = 0;
  let done = 0;
  let failed = 0;

  async function worker(): Promise<void> {
    while (next < items.length) {
      options.signal?.throwIfAborted();
      const index = next;
      next += 1;
      const item = items[index];
      if (item === undefined) {
        continue;
      }
      try {
        results[index] = { ok: true, value: await migrateLegacyValue(masterKeys, encryptor, item) };
      } catch (error) {
        if (!isPhiCryptoError(error)) {
          throw error;
        }
        results[index] = { ok: false, error };
        failed += 1;
      }
      done += 1;
      options.onProgress?.({ done, failed, total: items.length });
    }
  }

  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, () => worker()));
  return results;
}
