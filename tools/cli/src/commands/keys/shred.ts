import {
  cancelTenantShred,
  isPhiStoreError,
  requestTenantShred,
  shredTenantNow,
} from '@skillancer/phi-store';
import { CliError, type CliIo } from '../../runtime/io.js';
import { Output } from '../../runtime/output.js';
import { type Actor, requireTenantId, withPhiStore } from './phi-session.js';

export interface ShredOptions {
  now?: boolean;
  cancel?: boolean;
  /** Must repeat the tenant id for `now`, as an explicit confirmation. */
  confirm?: string;
  reason: string;
  json?: boolean;
  actor: Actor;
}

/**
 * Requests the erasure of a tenant after TENANT_SHRED_DELAY_HOURS (auth-svc's shred job then
 * destroys its keys and deletes its data), cancels a pending request, or with `now` and a matching
 * `confirm` erases it at once. Destroyed keys make every ciphertext of the tenant unrecoverable.
 */
export async function shredTenant(io: CliIo, tenantIdText: string, options: ShredOptions): Promise<number> {
  const tenantId = requireTenantId(tenantIdText);
  if (options.now && options.cancel) throw new CliError('choose either --now or --cancel, not both');
  if (options.now && options.confirm?.toLowerCase() !== tenantId) {
    throw new CliError(
      `--now destroys every key of tenant ${tenantId} at once and cannot be undone; repeat the tenant id with --confirm ${tenantId} to go ahead`,
    );
  }
  const output = new Output(io, { json: options.json ?? false });

  return withPhiStore(io, async ({ config, store }) => {
    try {
      if (options.cancel) {
        const request = await cancelTenantShred(store, tenantId, options.actor);
        output.line(
          `Cancelled the shred request ${request.id} of tenant ${tenantId}; nothing was destroyed.`,
        );
        output.result({ cancelled: request });
        return 0;
      }
      if (options.now) {
        const executed = await shredTenantNow(store, {
          tenantId,
          actor: options.actor,
          reason: options.reason,
        });
        const versions = executed.destroyedKeys.map((key) => `${key.purpose}:${key.version}`).join(', ');
        output.line(
          `Shredded tenant ${tenantId}: destroyed ${executed.destroyedKeys.length} key version(s) (${versions || 'none'}); its ciphertexts can no longer be decrypted.`,
        );
        const { counts } = executed;
        output.line(
          `Deleted ${counts.records} PHI record(s) and ${counts.tokens} token(s)${counts.tenantDeleted ? ' and the tenant with its memberships, profiles and pods' : ''}.`,
        );
        for (const line of OBJECT_CLEANUP_LINES) output.line(line);
        output.result({ executed });
        return 0;
      }
      const request = await requestTenantShred(store, {
        tenantId,
        scope: 'tenant',
        actor: options.actor,
        reason: options.reason,
        delayHours: config.tenantShredDelayHours,
      });
      output.line(
        `Requested the shred of tenant ${tenantId} (request ${request.id}): auth-svc destroys its keys and data after ${request.dueAt.toISOString()}. Cancel before then with \`skillancer keys shred-tenant ${tenantId} --cancel\`.`,
      );
      output.result({ requested: request });
      return 0;
    } catch (error) {
      if (isPhiStoreError(error, 'shred_request_exists', 'shred_request_not_found')) {
        throw new CliError(error.message);
      }
      throw error;
    }
  });
}

/**
 * Output lines on what happens to the tenant's objects after a shred. The 5 minutes are the
 * intervals of auth-svc's shred job (`SHRED_JOB_INTERVAL_MS`), cockpit-svc's invoice purge and
 * skillpod-svc's recording purge (`ERASURE_PURGE_INTERVAL_MS`), each in its service's `server.ts`.
 */
const OBJECT_CLEANUP_LINES: readonly string[] = [
  "auth-svc deletes the tenant's avatars and portfolio images at its next shred job run. cockpit-svc deletes its invoice PDFs and skillpod-svc its session recording chunks at their next purge runs. All three run every 5 minutes while the services are running.",
];
