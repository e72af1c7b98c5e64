import { PhiCryptoError, requireArgument } from '../errors.js';
import type { KeyPurpose } from './key-wrap.js';
import type { KeyState } from './repository.js';

/** Default delay between a shred request and the destruction, the same default as AWS KMS key deletion. */
export const DEFAULT_SHRED_WAITING_DAYS = 30;
const DAY_MS = 86_400_000;

/**
 * A request to destroy all keys of a tenant after a waiting period. The service stores it,
 * lets an operator cancel it while it waits, and passes it to `KeyManager.shredTenant` when due.
 */
export interface ShredRequest {
  tenantId: string;
  /** Actor id of whoever asked for the shred. */
  requestedBy: string;
  reason: string;
  requestedAt: Date;
  /** Earliest time the keys may be destroyed. */
  notBefore: Date;
}

export interface CreateShredRequestInput {
  tenantId: string;
  requestedBy: string;
  reason: string;
  requestedAt?: Date;
  /** Whole days from 0 to 365; default 30. */
  waitingPeriodDays?: number;
}

export function createShredRequest(input: CreateShredRequestInput): ShredRequest {
  const days = input.waitingPeriodDays ?? DEFAULT_SHRED_WAITING_DAYS;
  requireArgument(
    Number.isInteger(days) && days >= 0 && days <= 365,
    `waitingPeriodDays must be a whole number from 0 to 365, got ${days}`,
    'waitingPeriodDays',
  );
  requireArgument(input.tenantId.length > 0, 'tenantId must not be empty', 'tenantId');
  requireArgument(input.requestedBy.length > 0, 'requestedBy must name the actor', 'requestedBy');
  requireArgument(input.reason.trim().length > 0, 'reason must say why the tenant is shredded', 'reason');
  const requestedAt = input.requestedAt ?? new Date();
  return {
    tenantId: input.tenantId,
    requestedBy: input.requestedBy,
    reason: input.reason,
    requestedAt,
    notBefore: new Date(requestedAt.getTime() + days * DAY_MS),
  };
}

/** Throws `shred_not_due` while `now` is before the request's `notBefore`. */
export function assertShredDue(request: ShredRequest, now: Date): void {
  if (now.getTime() < request.notBefore.getTime()) {
    throw new PhiCryptoError(
      'shred_not_due',
      `the shred of tenant ${request.tenantId} is not due until ${request.notBefore.toISOString()}; ` +
        'wait for the waiting period to end or cancel the request',
      { details: { tenantId: request.tenantId, notBefore: request.notBefore.toISOString() } },
    );
  }
}

/** One key version destroyed by a shred, as recorded for the audit trail. */
export interface DestroyedKey {
  purpose: KeyPurpose;
  version: number;
  masterKeyId: string;
  createdAt: Date;
  stateBefore: Exclude<KeyState, 'destroyed'>;
}

/** What `KeyManager.shredTenant` destroyed; the service writes it to the audit log. */
export interface ShredReceipt {
  tenantId: string;
  destroyedAt: Date;
  destroyed: DestroyedKey[];
  /** Versions that an earlier shred or trim had already destroyed. */
  alreadyDestroyed: number;
  request: ShredRequest | undefined;
}
