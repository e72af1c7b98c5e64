import {
  isLegacyCiphertext,
  isPhiCryptoError,
  isPhiType,
  readKeyVersion,
  TOKEN_RECORD_TYPE,
} from '@skillancer/phi-crypto';
import type { PhiStore } from '../phi-store.js';
import { blindIndexField, type PhiRecord, recordFieldContext } from '../records/phi-record-repository.js';

export interface ReencryptProgress {
  tenantId: string;
  /** `records`, then `tokens`. */
  phase: 'records' | 'tokens';
  recordsScanned: number;
  fieldsReencrypted: number;
  indexesRefreshed: number;
  tokensScanned: number;
  tokensReencrypted: number;
  /** Values a request changed between reading and writing; they already use the newest version. */
  skipped: number;
  /** Values in the legacy format, left for `migrateLegacyRecords`. */
  legacy: number;
  failed: number;
  /** Last record id (phase `records`) or token (phase `tokens`) done; pass it back to resume. */
  cursor: string | null;
}

export interface ReencryptFailure {
  recordId: string;
  field: string;
  code: string;
  message: string;
}

export interface ReencryptSummary extends ReencryptProgress {
  /** The data key version every value was moved to. */
  toVersion: number | null;
  failures: ReencryptFailure[];
}

export interface ReencryptOptions {
  actor: { type: string; id: string };
  /** Continue after this record id, from the `cursor` of an earlier run's records phase. */
  afterRecordId?: string;
  /** Records or tokens per page; default 100. */
  pageSize?: number;
  onProgress?: (progress: ReencryptProgress) => void;
  /** Checked between pages; a later run continues where this one stopped. */
  signal?: AbortSignal;
}

const INDEX_VERSION = /^bi(\d+)_/;

/**
 * Moves a tenant's PHI record fields and token vault entries to its newest data key version and
 * recomputes blind indexes made with an older index key version. Run it after
 * `rotateTenantKey`, then retire the old versions with `retireKeyVersions`.
 *
 * Resumable and safe to run twice: only values on an older version are rewritten, each write is
 * conditional on the value not having changed since it was read, and `afterRecordId` skips work
 * already done. A tenant without keys is left alone (no keys are created for it). Records an
 * audit event `key.reencrypt` with the counts.
 */
export async function reencryptTenant(
  store: PhiStore,
  tenantId: string,
  options: ReencryptOptions,
): Promise<ReencryptSummary> {
  const failures: ReencryptFailure[] = [];
  const progress: ReencryptProgress = {
    tenantId,
    phase: 'records',
    recordsScanned: 0,
    fieldsReencrypted: 0,
    indexesRefreshed: 0,
    tokensScanned: 0,
    tokensReencrypted: 0,
    skipped: 0,
    legacy: 0,
    failed: 0,
    cursor: options.afterRecordId ?? null,
  };
  const keyInfos = await store.keys.listTenantKeys(tenantId);
  if (!keyInfos.some((key) => key.purpose === 'data' && key.state !== 'destroyed')) {
    return { ...progress, toVersion: null, failures };
  }
  const toVersion = await store.keys.currentDataKeyVersion(tenantId);
  const indexVersion = (await store.keys.indexKeys(tenantId)).current.version;
  const pageSize = options.pageSize ?? 100;
  const report = () => options.onProgress?.({ ...progress });
  const fail = (recordId: string, field: string, error: unknown) => {
    if (!isPhiCryptoError(error)) {
      throw error;
    }
    progress.failed += 1;
    failures.push({ recordId, field, code: error.code, message: error.message });
  };

  for (;;) {
    options.signal?.throwIfAborted();
    const page = await store.records.listPage(tenantId, {
      afterId: progress.cursor ?? undefined,
      limit: pageSize,
    });
    for (const record of page) {
      await reencryptRecord(store, record, { toVersion, indexVersion, progress, fail });
      progress.recordsScanned += 1;
      progress.cursor = record.id;
    }
    report();
    if (page.length < pageSize) {
      break;
    }
  }

  progress.phase = 'tokens';
  progress.cursor = null;
  for (;;) {
    options.signal?.throwIfAborted();
    const page = await store.tokenVault.listPage(tenantId, {
      afterToken: progress.cursor ?? undefined,
      limit: pageSize,
    });
    for (const token of page) {
      progress.tokensScanned += 1;
      progress.cursor = token.token;
      const context = { tenantId, recordType: TOKEN_RECORD_TYPE, recordId: token.token, field: token.field };
      try {
        const result = await store.encryptor.reencrypt(context, token.ciphertext);
        if (!result.changed) {
          continue;
        }
        const written = await store.tokenVault.replaceCiphertext(
          tenantId,
          token.token,
          token.ciphertext,
          result.ciphertext,
        );
        if (written) {
          progress.tokensReencrypted += 1;
        } else {
          progress.skipped += 1;
        }
      } catch (error) {
        fail(token.token, token.field, error);
      }
    }
    report();
    if (page.length < pageSize) {
      break;
    }
  }

  await store.audit.append({
    tenantId,
    actor: options.actor,
    action: 'key.reencrypt',
    resource: { type: 'tenant', id: tenantId },
    purpose: 'key_rotation',
    outcome: progress.failed === 0 ? 'success' : 'failure',
    keyVersion: toVersion,
    details: {
      recordsScanned: progress.recordsScanned,
      fieldsReencrypted: progress.fieldsReencrypted,
      indexesRefreshed: progress.indexesRefreshed,
      tokensReencrypted: progress.tokensReencrypted,
      failed: progress.failed,
    },
  });
  return { ...progress, toVersion, failures };
}

interface RecordPass {
  toVersion: number;
  indexVersion: number;
  progress: ReencryptProgress;
  fail: (recordId: string, field: string, error: unknown) => void;
}

async function reencryptRecord(store: PhiStore, record: PhiRecord, pass: RecordPass): Promise<void> {
  const { toVersion, indexVersion, progress, fail } = pass;
  const expected: Record<string, string> = {};
  const next: Record<string, string> = {};
  for (const [field, stored] of Object.entries(record.fields)) {
    if (isLegacyCiphertext(stored)) {
      progress.legacy += 1;
      continue;
    }
    try {
      if (readKeyVersion(stored) === toVersion) {
        continue;
      }
      const result = await store.encryptor.reencrypt(recordFieldContext(record, field), stored);
      if (result.changed) {
        expected[field] = stored;
        next[field] = result.ciphertext;
      }
    } catch (error) {
      fail(record.id, field, error);
    }
  }
  const changed = Object.keys(next).length;
  if (changed > 0) {
    if (await store.records.replaceCiphertexts(record.id, expected, next)) {
      progress.fieldsReencrypted += changed;
    } else {
      progress.skipped += changed;
    }
  }

  for (const entry of await store.records.listIndexes(record.id)) {
    const version = Number(INDEX_VERSION.exec(entry.blindIndex)?.[1] ?? indexVersion);
    const stored = next[entry.field] ?? record.fields[entry.field];
    if (
      version >= indexVersion ||
      stored === undefined ||
      !isPhiType(entry.phiType) ||
      isLegacyCiphertext(stored)
    ) {
      continue;
    }
    try {
      const plaintext = await store.encryptor.decrypt(recordFieldContext(record, entry.field), stored);
      const blindIndex = await store.indexer.compute(
        { tenantId: record.tenantId, field: blindIndexField(entry.field), type: entry.phiType },
        plaintext,
      );
      if (await store.records.replaceBlindIndex(record.id, entry.field, entry.blindIndex, blindIndex)) {
        progress.indexesRefreshed += 1;
      }
    } catch (error) {
      fail(record.id, entry.field, error);
    }
  }
}

/** Lists tenant ids that have at least one key that is not destroyed, in order, page by page. */
export async function listKeyedTenants(
  store: PhiStore,
  page: { afterTenantId?: string; limit: number },
): Promise<string[]> {
  const { rows } = await store.db.query<{ tenant_id: string }>(
    `SELECT DISTINCT tenant_id FROM phi_tenant_keys
      WHERE state <> 'destroyed' AND ($1::text IS NULL OR tenant_id > $1::text)
      ORDER BY tenant_id LIMIT $2`,
    [page.afterTenantId ?? null, page.limit],
  );
  return rows.map((row) => row.tenant_id);
}
