import { createHash, createHmac } from 'node:crypto';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { PhiCryptoError, requireArgument } from '../errors.js';
import { type AuditEvent, type ChainedAuditEvent, canonicalAuditEvent } from './audit-event.js';

/** `previousHash` of a tenant's first event. */
export const GENESIS_HASH = '0'.repeat(64);
const HASH_PATTERN = /^[0-9a-f]{64}$/;
const MIN_KEY_BYTES = 32;

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
 * number and computes the hash. With `macKeyVersion`, the event records that `key` is that
 * version of the chain's versioned keys. The caller stores the result, ideally with a unique key
 * on (tenant_id, sequence) so two writers cannot both append sequence n.
 */
export function appendAuditEvent(
  previous: ChainedAuditEvent | null,
  event: Omit<AuditEvent, 'sequence'>,
  options: AuditChainOptions & { macKeyVersion?: number } = {},
): ChainedAuditEvent {
  requireArgument(
    options.key === undefined || options.key.length >= MIN_KEY_BYTES,
    'the audit chain HMAC key must be at least 32 bytes',
    'key',
  );
  requireArgument(
    options.macKeyVersion === undefined ||
      (options.key !== undefined &&
        Number.isSafeInteger(options.macKeyVersion) &&
        options.macKeyVersion >= 1),
    'macKeyVersion must be a positive integer and needs the key it names',
    'macKeyVersion',
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
  const chained: ChainedAuditEvent = {
    ...linked,
    previousHash,
    hash: hashAuditEvent(previousHash, linked, options),
  };
  return options.macKeyVersion === undefined ? chained : { ...chained, macKeyVersion: options.macKeyVersion };
}

export type ChainBreakReason =
  | 'invalid_event'
  | 'tenant_mismatch'
  | 'sequence_gap'
  | 'sequence_out_of_order'
  | 'previous_hash_mismatch'
  | 'hash_mismatch'
  | 'head_mismatch'
  /** The event names a MAC key version that the verifier was not given. */
  | 'unknown_mac_key'
  /** The event is plain SHA-256 where the chain requires a keyed hash. */
  | 'unkeyed_event'
  /** The last event of the unkeyed prefix has another hash, or the chain ends before it. */
  | 'unkeyed_prefix_mismatch';

/** The first place where the chain does not verify. */
export interface ChainBreak {
  /** Position in the input (0-based); equals the event count for breaks found at the end of the chain. */
  index: number;
  sequence: number | null;
  reason: ChainBreakReason;
  message: string;
}

export type ChainVerification =
  | { ok: true; verified: number; head: { sequence: number; hash: string } | null }
  | { ok: false; verified: number; broken: ChainBreak };

/**
 * The versioned HMAC keys of a chain whose events name their key (`macKeyVersion`), and the part
 * of the chain written before keying began. A chain can switch from plain SHA-256 to keyed hashes
 * once. Without this record of where the switch happened, anyone who can write the store could
 * rewrite the whole chain in plain SHA-256.
 */
export interface AuditChainMacKeys {
  /** HMAC keys by version, each at least 32 bytes. */
  keys: ReadonlyMap<number, Uint8Array>;
  /**
   * The last event hashed with plain SHA-256 before the chain was keyed, or null when the chain is
   * keyed from its first event. Plain events after it fail with `unkeyed_event`. The recorded hash
   * pins every event up to it, so rewriting them fails with `unkeyed_prefix_mismatch`.
   */
  unkeyedPrefix: { sequence: number; hash: string } | null;
}

export interface VerifyAuditChainOptions extends AuditChainOptions {
  tenantId: string;
  /**
   * Versioned keys, for chains whose events name their key: each event is verified under the key
   * its `macKeyVersion` names, or as plain SHA-256 where that is null. Without it, every event is
   * verified with `key` (or plain SHA-256). Cannot be combined with `key`.
   */
  macKeys?: AuditChainMacKeys;
  /** Start after a checkpoint instead of the genesis: the last event before the first one given. */
  after?: { sequence: number; hash: string };
  /**
   * The newest event as recorded elsewhere (a signed checkpoint, another store). Without it,
   * events deleted from the end of the chain cannot be detected.
   */
  expectedHead?: { sequence: number; hash: string };
}

type BreakCause = { reason: ChainBreakReason; message: string };

/**
 * Walks a tenant's events in stored order and checks them one by one. An edited event fails
 * with `hash_mismatch`; a deleted one with `sequence_gap`; reordered or duplicated ones with
 * `sequence_out_of_order`; a re-linked forgery with `previous_hash_mismatch`; a plain SHA-256
 * event where a keyed hash is required with `unkeyed_event`.
 */
export class AuditChainVerifier {
  readonly #options: VerifyAuditChainOptions;
  #expectedSequence: number;
  #previousHash: string;
  #verified = 0;
  #broken: ChainBreak | undefined;
  /** Sequence of the first event verified with a versioned key. */
  #firstKeyedSequence: number | undefined;

  constructor(options: VerifyAuditChainOptions) {
    requireArgument(
      options.key === undefined || options.macKeys === undefined,
      'pass either key or macKeys to the audit chain verifier, not both',
      'macKeys',
    );
    requireArgument(
      [...(options.macKeys?.keys.values() ?? [])].every((key) => key.length >= MIN_KEY_BYTES),
      'every audit chain MAC key must be at least 32 bytes',
      'macKeys',
    );
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
    const hashOptions = this.#hashOptionsOf(event);
    if ('reason' in hashOptions) {
      return fail(hashOptions.reason, hashOptions.message);
    }
    let hash: string;
    try {
      hash = hashAuditEvent(event.previousHash, event, hashOptions);
    } catch (error) {
      return fail('invalid_event', error instanceof Error ? error.message : String(error));
    }
    if (!HASH_PATTERN.test(event.hash) || hash !== event.hash) {
      return fail('hash_mismatch', `event ${event.sequence} was changed after it was recorded`);
    }
    const prefix = this.#options.macKeys?.unkeyedPrefix;
    if (prefix != null && event.sequence === prefix.sequence && hash !== prefix.hash) {
      return fail(
        'unkeyed_prefix_mismatch',
        `event ${event.sequence} ends the chain's unkeyed prefix but has another hash than recorded: events up to it were rewritten`,
      );
    }
    if (event.macKeyVersion != null) {
      this.#firstKeyedSequence ??= event.sequence;
    }
    this.#expectedSequence += 1;
    this.#previousHash = hash;
    this.#verified += 1;
    return undefined;
  }

  /**
   * Chooses the key `event` is verified with: its versioned key, the single `key`, or none. Returns
   * the cause instead when the event may not be verified at all.
   */
  #hashOptionsOf(event: ChainedAuditEvent): AuditChainOptions | BreakCause {
    const version = event.macKeyVersion ?? null;
    const macKeys = this.#options.macKeys;
    if (version !== null) {
      const key = macKeys?.keys.get(version);
      if (key === undefined) {
        return {
          reason: 'unknown_mac_key',
          message: `event ${event.sequence} names MAC key version ${String(version)}, which the verifier was not given`,
        };
      }
      return { key };
    }
    if (this.#firstKeyedSequence !== undefined) {
      return {
        reason: 'unkeyed_event',
        message: `event ${event.sequence} is plain SHA-256 after keyed event ${this.#firstKeyedSequence}: it was written or rewritten without the chain key`,
      };
    }
    if (macKeys === undefined) {
      return this.#options.key === undefined ? {} : { key: this.#options.key };
    }
    const prefix = macKeys.unkeyedPrefix;
    if (prefix === null || event.sequence > prefix.sequence) {
      return {
        reason: 'unkeyed_event',
        message:
          prefix === null
            ? `event ${event.sequence} is plain SHA-256, but this chain is keyed from its first event: it was written or rewritten without the chain key`
            : `event ${event.sequence} is plain SHA-256, but only events up to ${prefix.sequence} may be: it was written or rewritten without the chain key`,
      };
    }
    return {};
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
      return this.#failAtEnd(
        'head_mismatch',
        `the chain ends at sequence ${headSequence}, but the recorded head is sequence ${expected.sequence}`,
      );
    }
    const prefix = this.#options.macKeys?.unkeyedPrefix;
    if (prefix != null && headSequence < prefix.sequence) {
      return this.#failAtEnd(
        'unkeyed_prefix_mismatch',
        `the chain ends at sequence ${headSequence}, before the end of its unkeyed prefix at sequence ${prefix.sequence}: events were deleted`,
      );
    }
    return {
      ok: true,
      verified: this.#verified,
      head: headSequence === 0 ? null : { sequence: headSequence, hash: this.#previousHash },
    };
  }

  #failAtEnd(reason: ChainBreakReason, message: string): ChainVerification {
    this.#broken = { index: this.#verified, sequence: this.#expectedSequence - 1, reason, message };
    return { ok: false, verified: this.#verified, broken: this.#broken };
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
