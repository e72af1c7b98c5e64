import type { AuditDetails, StoredAuditEvent } from './audit-types.js';

export type AuditRow = {
  tenant_id: string;
  sequence: string;
  occurred_at: Date;
  actor_type: string;
  actor_id: string;
  action: string;
  resource_type: string;
  resource_id: string;
  purpose: string;
  outcome: 'success' | 'failure' | 'denied';
  key_version: number | null;
  details: AuditDetails | null;
  previous_hash: string;
  hash: string;
  mac_key_version: number | null;
  recorded_at: Date;
};

export const EVENT_COLUMNS =
  'tenant_id, sequence, occurred_at, actor_type, actor_id, action, resource_type, resource_id, purpose, ' +
  'outcome, key_version, details, previous_hash, hash, mac_key_version, recorded_at';

/**
 * Converts a row to the event the chain hashes. `occurred_at` was written from a millisecond
 * ISO string, so `toISOString()` restores the hashed text exactly; a value edited to another
 * precision or time no longer matches its hash.
 */
export function toStoredEvent(row: AuditRow): StoredAuditEvent {
  return {
    tenantId: row.tenant_id,
    sequence: Number(row.sequence),
    occurredAt: row.occurred_at.toISOString(),
    actor: { type: row.actor_type, id: row.actor_id },
    action: row.action,
    resource: { type: row.resource_type, id: row.resource_id },
    purpose: row.purpose,
    outcome: row.outcome,
    keyVersion: row.key_version,
    details: row.details,
    previousHash: row.previous_hash,
    hash: row.hash,
    macKeyVersion: row.mac_key_version,
    recordedAt: row.recorded_at,
  };
}
