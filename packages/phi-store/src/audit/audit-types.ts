import type { ChainedAuditEvent } from '@skillancer/phi-crypto';

/** A JSON value allowed in `details`. */
export type AuditDetailValue =
  | string
  | number
  | boolean
  | null
  | readonly AuditDetailValue[]
  | { readonly [key: string]: AuditDetailValue };

/** Non-PHI context of an event, such as counts or the list of destroyed key versions. */
export type AuditDetails = { readonly [key: string]: AuditDetailValue };

/** An event to append; the trail assigns its sequence number and hashes. */
export interface AuditEventInput {
  tenantId: string;
  actor: { type: string; id: string };
  /** Dotted verb such as `phi.reveal`, `key.rotate` or `tenant.shred`. */
  action: string;
  resource: { type: string; id: string };
  /** Reason for the operation, such as `treatment`, `display`, `erasure` or `key_rotation`. */
  purpose: string;
  outcome: 'success' | 'failure' | 'denied';
  /** Data key version involved, when one was. */
  keyVersion?: number | null;
  /**
   * Identifiers and counts only, never PHI. Not covered by the chain hash, so put anything whose
   * integrity matters into the hashed fields (for example one event per destroyed key version).
   */
  details?: AuditDetails;
  /** Default: the trail's clock. Stored with millisecond precision. */
  occurredAt?: Date;
}

/** An event as stored: the chained event plus its unhashed details and the database insert time. */
export interface StoredAuditEvent extends ChainedAuditEvent {
  /** Audit MAC key version of the hash; null for plain SHA-256 events written before the key existed. */
  macKeyVersion: number | null;
  details: AuditDetails | null;
  recordedAt: Date;
}

/** The newest event of a tenant's chain as recorded in `phi_audit_chain_heads`. */
export interface AuditChainHead {
  tenantId: string;
  sequence: number;
  hash: string;
}
