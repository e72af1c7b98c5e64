import { isLegacyCiphertext, isPhiCryptoError, migrateLegacyValue } from '@skillancer/phi-crypto';
import type { PhiStore } from '../phi-store.js';
import { type PhiRecord, recordFieldContext } from '../records/phi-record-repository.js';

export interface LegacyMigrationProgress {
  tenantId: string;
  recordsScanned: number;
  fieldsMigrated: number;
  /** Fields a request rewrote between reading and writing. */
  skipped: number;
  failed: number;
  /** Last record id done; pass it back as `afterRecordId` to resume. */
  cursor: string | null;
}

export interface LegacyMigrationFailure {
  recordId: string;
  field: string;
  code: string;
  message: string;
}

export interface LegacyMigrationSummary extends LegacyMigrationProgress {
  failures: LegacyMigrationFailure[];
}

export interface LegacyRecordMigrationOptions {
  actor: { type: string; id: string };
  /**
   * The context object the earlier service passed when it encrypted the value; its
   * `JSON.stringify` was the associated data. Return undefined for values written without one.
   */
  legacyContext?: (record: PhiRecord, field: string) => unknown;
  afterRecordId?: string;
  /** Records per page; default 50. */
  pageSize?: number;
  onProgress?: (progress: LegacyMigrationProgress) => void;
  signal?: AbortSignal;
}

/**
 * Rewrites a tenant's record fields that are still in the earlier JSON format (PBKDF2-derived
 * keys) into the current format under the tenant's newest data key. Resumable and safe to run
 * twice: only legacy values are touched, each write is conditional on the value being unchanged,
 * and `afterRecordId` skips records already done. Each legacy value costs one PBKDF2 derivation
 * (about 20 ms on the thread pool). Records `phi.migrate_legacy` with the counts.
 */
export async function migrateLegacyRecords(
  store: PhiStore,
  tenantId: string,
  options: LegacyRecordMigrationOptions,
): Promise<LegacyMigrationSummary> {
  const failures: LegacyMigrationFailure[] = [];
  const progress: LegacyMigrationProgress = {
    tenantId,
    recordsScanned: 0,
    fieldsMigrated: 0,
    skipped: 0,
    failed: 0,
    cursor: options.afterRecordId ?? null,
  };
  const pageSize = options.pageSize ?? 50;

  for (;;) {
    options.signal?.throwIfAborted();
    const page = await store.records.listPage(tenantId, {
      afterId: progress.cursor ?? undefined,
      limit: pageSize,
    });
    for (const record of page) {
      const expected: Record<string, string> = {};
      const next: Record<string, string> = {};
      for (const [field, stored] of Object.entries(record.fields)) {
        if (!isLegacyCiphertext(stored)) {
          continue;
        }
        try {
          next[field] = await migrateLegacyValue(store.masterKeys, store.encryptor, {
            context: recordFieldContext(record, field),
            stored,
            legacyContext: options.legacyContext?.(record, field),
          });
          expected[field] = stored;
        } catch (error) {
          if (!isPhiCryptoError(error)) {
            throw error;
          }
          progress.failed += 1;
          failures.push({ recordId: record.id, field, code: error.code, message: error.message });
        }
      }
      const count = Object.keys(next).length;
      if (count > 0) {
        if (await store.records.replaceCiphertexts(record.id, expected, next)) {
          progress.fieldsMigrated += count;
        } else {
          progress.skipped += count;
        }
      }
      progress.recordsScanned += 1;
      progress.cursor = record.id;
    }
    options.onProgress?.({ ...progress });
    if (page.length < pageSize) {
      break;
    }
  }

  await store.audit.append({
    tenantId,
    actor: options.actor,
    action: 'phi.migrate_legacy',
    resource: { type: 'tenant', id: tenantId },
    purpose: 'key_rotation',
    outcome: progress.failed === 0 ? 'success' : 'failure',
    details: {
      recordsScanned: progress.recordsScanned,
      fieldsMigrated: progress.fieldsMigrated,
      failed: progress.failed,
    },
  });
  return { ...progress, failures };
}
