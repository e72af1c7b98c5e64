import { type LegacyMigrationSummary, migrateLegacyRecords } from '@skillancer/phi-store';
import type { CliIo } from '../../runtime/io.js';
import { Output } from '../../runtime/output.js';
import { requireTenantId, tenantsWithRecords, withPhiStore } from './phi-session.js';
import type { JobOptions } from './rotation.js';

/**
 * Rewrites PHI record fields still in the earlier format (PBKDF2-derived keys) into the current
 * format, for one tenant or every tenant with records. Resumable: only legacy values are touched,
 * so a second run continues where an interrupted one stopped. Returns 1 when values failed.
 *
 * NOTE: values are opened without the earlier associated data, because the earlier services'
 * context objects are not known here. Values written with a context fail and are listed.
 */
export async function migrateLegacy(
  io: CliIo,
  target: { tenantId?: string },
  options: JobOptions,
): Promise<number> {
  const output = new Output(io, { json: options.json ?? false });
  const progress = output.throttledProgress();
  return withPhiStore(io, async ({ db, store }) => {
    const tenants =
      target.tenantId === undefined ? tenantsWithRecords(db) : [requireTenantId(target.tenantId)];
    const summaries: LegacyMigrationSummary[] = [];
    for await (const tenantId of tenants) {
      const summary = await migrateLegacyRecords(store, tenantId, {
        actor: options.actor,
        ...(options.pageSize === undefined ? {} : { pageSize: options.pageSize }),
        onProgress: (step) =>
          progress(
            `tenant ${tenantId}: ${step.recordsScanned} record(s) scanned, ${step.fieldsMigrated} field(s) migrated, ${step.failed} failed`,
          ),
      });
      summaries.push(summary);
      for (const failure of summary.failures) {
        output.line(
          `failed  tenant ${tenantId} record ${failure.recordId} field ${failure.field}: ${failure.message}`,
        );
      }
      output.line(
        `tenant ${tenantId}: ${summary.recordsScanned} record(s) scanned, ${summary.fieldsMigrated} field(s) migrated, ${summary.skipped} skipped, ${summary.failed} failed`,
      );
    }
    const total = (key: 'recordsScanned' | 'fieldsMigrated' | 'skipped' | 'failed') =>
      summaries.reduce((sum, summary) => sum + summary[key], 0);
    output.line(
      `Migrated ${total('fieldsMigrated')} legacy field(s) in ${total('recordsScanned')} record(s) of ${summaries.length} tenant(s); ${total('skipped')} skipped, ${total('failed')} failed.`,
    );
    output.result({ tenants: summaries });
    return total('failed') === 0 ? 0 : 1;
  });
}
