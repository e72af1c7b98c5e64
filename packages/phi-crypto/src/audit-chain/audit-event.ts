import { PhiCryptoError } from '../errors.js';
import { encodeLengthPrefixed } from '../internal/encoding.js';

/**
 * One audited operation on PHI or keys. It holds identifiers only, never PHI, because audit
 * records are read by more people than the data.
 */
export interface AuditEvent {
  tenantId: string;
  /** Position in the tenant's chain: 1 for the first event, then +1 per event. */
  sequence: number;
  /** UTC time as `toISOString()` writes it: 2025-01-31T12:00:00.000Z. */
  occurredAt: string;
  actor: { type: string; id: string };
  /** What was done, such as `phi.decrypt`, `keys.rotate` or `tenant.shred`. */
  action: string;
  resource: { type: string; id: string };
  /** Why, such as `treatment`, `payment`, `operations` or `break_glass`. */
  purpose: string;
  outcome: 'success' | 'failure' | 'denied';
  /** Data key version used, or null when no key was involved. */
  keyVersion: number | null;
}

/** An event with its link: `previousHash` is the hash of the event before it (64 zeros for the first). */
export interface ChainedAuditEvent extends AuditEvent {
  previousHash: string;
  /** Lowercase hex SHA-256, or HMAC-SHA256 under the chain key, of previousHash ‖ canonical event. */
  hash: string;
  /**
   * Version of the HMAC key that `hash` was computed with, for chains keyed with versioned keys
   * (see `VerifyAuditChainOptions.macKeys`). Null or absent: plain SHA-256, or the single `key`.
   */
  macKeyVersion?: number | null;
}

const EVENT_LABEL = 'skillancer/phi-crypto/audit-event/v1';
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const OUTCOMES = new Set(['success', 'failure', 'denied']);
const MAX_PART_LENGTH = 1024;

function invalid(message: string, field: string): PhiCryptoError {
  return new PhiCryptoError('audit_event_invalid', `audit event ${message}`, { field });
}

function requireText(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_PART_LENGTH) {
    throw invalid(`${field} must be a non-empty string of at most ${MAX_PART_LENGTH} characters`, field);
  }
  return value;
}

/** Throws `audit_event_invalid` naming the first field that is missing or malformed. */
export function assertAuditEvent(event: AuditEvent): void {
  requireText(event.tenantId, 'tenantId');
  if (!Number.isSafeInteger(event.sequence) || event.sequence < 1) {
    throw invalid('sequence must be a positive integer', 'sequence');
  }
  if (
    typeof event.occurredAt !== 'string' ||
    !ISO_UTC.test(event.occurredAt) ||
    new Date(event.occurredAt).toISOString() !== event.occurredAt
  ) {
    throw invalid('occurredAt must be a UTC time written as 2025-01-31T12:00:00.000Z', 'occurredAt');
  }
  requireText(event.actor?.type, 'actor.type');
  requireText(event.actor?.id, 'actor.id');
  requireText(event.action, 'action');
  requireText(event.resource?.type, 'resource.type');
  requireText(event.resource?.id, 'resource.id');
  requireText(event.purpose, 'purpose');
  if (!OUTCOMES.has(event.outcome)) {
    throw invalid('outcome must be success, failure or denied', 'outcome');
  }
  if (event.keyVersion !== null && (!Number.isSafeInteger(event.keyVersion) || event.keyVersion < 1)) {
    throw invalid('keyVersion must be a positive integer or null', 'keyVersion');
  }
}

/**
 * Encodes the event's fields in a fixed order as length-prefixed UTF-8 (see
 * `encodeLengthPrefixed`). Fields outside `AuditEvent` are ignored, so the hash does not depend
 * on extra columns, key order or JSON formatting. A null key version encodes as an empty string,
 * which no number produces.
 */
export function canonicalAuditEvent(event: AuditEvent): Buffer {
  assertAuditEvent(event);
  return encodeLengthPrefixed([
    EVENT_LABEL,
    event.tenantId,
    String(event.sequence),
    event.occurredAt,
    event.actor.type,
    event.actor.id,
    event.action,
    event.resource.type,
    event.resource.id,
    event.purpose,
    event.outcome,
    event.keyVersion === null ? '' : String(event.keyVersion),
  ]);
}
