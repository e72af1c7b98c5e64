import { createHash, createHmac } from 'node:crypto';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { PhiCryptoError, requireArgument } from '../errors.js';
import { type AuditEvent, type ChainedAuditEvent, canonicalAuditEvent } from './audit-event.js';

/** `previousHash` of a tenant's first event. */
export const GENESIS_HASH = '0'.repeat(64);
const HASH_PATTERN = /^[0-9a-f]{64}$/;

export interface AuditChainOptions {
  /**
   * Optional HMAC key (at least 32 bytes). Without it the chain uses plain SHA-256, which detects
   * edits by anyone who cannot also rewrite every later hash. With it, rewriting needs the key,
   * so keep the key apart from the audit store.
   */
  key?: Uint8Array;
}

export function hashAuditEvent(
  previousHash: string,
  event: AuditEvent,
  options: AuditChainOptions = {},
): string {
  const hash = options.key === undefined ? createHash('sha256') : createHmac('sha256', options.key);
  return hash.update(Buffer.from(previousHash, 'hex')).update(canonicalAuditEvent(event)).digest('hex');
}

/**
 * Links a new event after `previous` (null for the tenant's first): assigns the next sequence
 * number and computes the hash. The caller stores the result, ideally with a unique key on
 * (tenant_id, sequence) so two writers cannot both append sequence n.
 */
export function appendAuditEvent(
  previous: ChainedAuditEvent | null,
  event: Omit<AuditEvent, 'sequence'>,
  options: AuditChainOptions = {},
): ChainedAuditEvent {
  requireArgument(
    options.key === undefined || options.key.length >= 32,
    'the audit chain HMAC key must be at least 32 bytes',
    'key',
  );
  if (previous !== null && previous.tenantId !== event.tenantId) {
    throw new PhiCryptoError(
      'audit_event_invalid',
      `audit event of tenant ${event.tenantId} cannot follow an event of tenant ${previous.tenantId}`,
      { field: 'tenantId' },
    );
  }
  const previousHash = previous?.hash ?? GENESIS_HASH;
  const linked: AuditEvent = {
    tenantId: event.tenantId,
    sequence: (previous?.sequence ?? 0) + 1,
    occurredAt: event.occurredAt,
    actor: { type: event.actor.type, id: event.actor.id },
    action: event.action,
    resource: { type: event.resource.type, id: event.resource.id },
    purpose: event.purpose,
    outcome: event.outcome,
    keyVersion: event.keyVersion,
  };
  return { ...linked, previousHash, hash: hashAuditEvent(previousHash, linked, options) };
}

export type ChainBreakReason =
  | 'invalid_event'
  | 'tenant_mismatch'
  | 'sequence_gap'
  | 'sequence_out_of_order'
  | 'previous_hash_mismatch'
  | 'hash_mismatch'
  | 'head_mismatch';

/** The first place where the chain does not verify. */
export interface ChainBreak {
  /** Position in the input (0-based); equals the event count for `head_mismatch`. */
  index: number;
  sequence: number | null;
  reason: ChainBreakReason;
  message: string;
}

export type ChainVerification =
  | { ok: true; verified: number; head: { sequence: number; hash: string } | null }
  | { ok: false; verified: number; broken: ChainBreak };

export interface VerifyAuditChainOptions extends AuditChainOptions {
  tenantId: string;
  /** Start after a checkpoint instead of the genesis: the last event before the first one given. */
  after?: { sequence: number; hash: string };
  /**
   * The newest event as recorded elsewhere (a signed checkpoint, another store). Without it,
   * events deleted from the end of the chain cannot be detected.
   */
  expectedHead?: { sequence: number; hash: string };
}

/**
 * Walks a tenant's events in stored order and checks them one by one. An edited event fails
 * with `hash_mismatch`; a deleted one with `sequence_gap`; reordered or duplicated ones with
 * `sequence_out_of_order`; a re-linked forgery with `previous_hash_mismatch`.
 */
export class AuditChainVerifier {
  readonly #options: VerifyAuditChainOptions;
  #expectedSequence: number;
  #previousHash: string;
  #verified = 0;
  #broken: ChainBreak | undefined;

  constructor(options: VerifyAuditChainOptions) {
    this.#options = options;
    this.#expectedSequence = (options.after?.sequence ?? 0) + 1;
    this.#previousHash = options.after?.hash ?? GENESIS_HASH;
  }

  /** Checks the next event; returns the break when this event (or an earlier one) failed. */
  push(event: ChainedAuditEvent): ChainBreak | undefined {
    if (this.#broken !== undefined) {
      return this.#broken;
    }
    const index = this.#verified;
    const fail = (reason: ChainBreakReason, message: string): ChainBreak => {
      this.#broken = {
        index,
        sequence: typeof event?.sequence === 'number' ? event.sequence : null,
        reason,
        message,
      };
      return this.#broken;
    };

    if (event?.tenantId !== this.#options.tenantId) {
      return fail('tenant_mismatch', `event ${index} belongs to tenant ${String(event?.tenantId)}`);
    }
    if (event.sequence > this.#expectedSequence) {
      return fail(
        'sequence_gap',
        `expected sequence ${this.#expectedSequence}, found ${event.sequence}: events before it were deleted or moved`,
      );
    }
    if (event.sequence < this.#expectedSequence) {
      return fail(
        'sequence_out_of_order',
        `expected sequence ${this.#expectedSequence}, found ${event.sequence}: events were reordered or duplicated`,
      );
    }
    if (event.previousHash !== this.#previousHash) {
      return fail(
        'previous_hash_mismatch',
        `event ${event.sequence} does not link to the hash of the event before it`,
      );
    }
    let hash: string;
    try {
      hash = hashAuditEvent(event.previousHash, event, this.#options);
    } catch (error) {
      return fail('invalid_event', error instanceof Error ? error.message : String(error));
    }
    if (!HASH_PATTERN.test(event.hash) || hash !== event.hash) {
      return fail('hash_mismatch', `event ${event.sequence} was changed after it was recorded`);
    }
    this.#expectedSequence += 1;
    this.#previousHash = hash;
    this.#verified += 1;
    return undefined;
  }

  /** Returns the result after the last event, checking `expectedHead` when given. */
  finish(): ChainVerification {
    if (this.#broken !== undefined) {
      return { ok: false, verified: this.#verified, broken: this.#broken };
    }
    const headSequence = this.#expectedSequence - 1;
    const expected = this.#options.expectedHead;
    if (
      expected !== undefined &&
      (expected.sequence !== headSequence || expected.hash !== this.#previousHash)
    ) {
      this.#broken = {
        index: this.#verified,
        sequence: headSequence,
        reason: 'head_mismatch',
        message: `the chain ends at sequence ${headSequence}, but the recorded head is sequence ${expected.sequence}`,
      };
      return { ok: false, verified: this.#verified, broken: this.#broken };
    }
    return {
      ok: true,
      verified: this.#verified,
      head: headSequence === 0 ? null : { sequence: headSequence, hash: this.#previousHash },
    };
  }
}

/** Verifies events held in memory; see `AuditChainVerifier`. */
export function verifyAuditChain(
  events: Iterable<ChainedAuditEvent>,
  options: VerifyAuditChainOptions,
): ChainVerification {
  const verifier = new AuditChainVerifier(options);
  for (const event of events) {
    if (verifier.push(event) !== undefined) {
      break;
    }
  }
  return verifier.finish();
}

/**
 * Verifies events streamed from storage (an async iterator over pages of rows), yielding to the
 * event loop every `sliceMs` (default 10) so a long chain does not block other requests.
 */
export async function verifyAuditChainAsync(
  events: AsyncIterable<ChainedAuditEvent> | Iterable<ChainedAuditEvent>,
  options: VerifyAuditChainOptions & { sliceMs?: number },
): Promise<ChainVerification> {
  const verifier = new AuditChainVerifier(options);
  const sliceMs = options.sliceMs ?? 10;
  let sliceStart = performance.now();
  for await (const event of events) {
    if (verifier.push(event) !== undefined) {
      break;
    }
    if (performance.now() - sliceStart >= sliceMs) {
      await yieldToEventLoop();
      sliceStart = performance.now();
    }
  }
  return verifier.finish();
}
