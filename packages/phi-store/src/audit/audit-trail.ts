import type { Database, Queryable } from '@skillancer/database';
import {
  type AuditEvent,
  type ChainVerification,
  GENESIS_HASH,
  hashAuditEvent,
  isPhiCryptoError,
  verifyAuditChainAsync,
} from '@skillancer/phi-crypto';
import { PhiStoreError } from '../errors.js';
import type { AuditMacKeys, CurrentAuditMacKey } from './audit-mac-keys.js';
import { type AuditRow, EVENT_COLUMNS, toStoredEvent } from './audit-rows.js';
import type { AuditChainHead, AuditDetails, AuditEventInput, StoredAuditEvent } from './audit-types.js';

/** Largest `details` object, as JSON text. */
const MAX_DETAILS_CHARS = 16_384;
const DEFAULT_PAGE_SIZE = 1000;

export interface AuditTrailOptions {
  /** The audit MAC keys that new events are hashed with and that verification checks. */
  macKeys: AuditMacKeys;
  /** Milliseconds since the epoch; injectable for tests. */
  clock?: () => number;
}

/**
 * The append-only, hash-chained audit trail in `phi_audit_events`, one chain per tenant.
 *
 * Appending locks the tenant's row in `phi_audit_chain_heads` for the rest of the transaction, so
 * appends from any number of connections and replicas form one linear chain: each reads the head
 * the previous one wrote. Each event's hash is an HMAC-SHA256 under the audit MAC key, which is
 * stored wrapped by the master key. A trigger rejects UPDATE, DELETE and TRUNCATE of events. The
 * chain reveals changes made around it (with the trigger disabled, or by a superuser), unless the
 * writer also has the master key.
 */
export class AuditTrail {
  readonly #db: Database;
  readonly #macKeys: AuditMacKeys;
  readonly #clock: () => number;

  constructor(db: Database, options: AuditTrailOptions) {
    this.#db = db;
    this.#macKeys = options.macKeys;
    this.#clock = options.clock ?? Date.now;
  }

  /**
   * Appends events in one transaction, or in `options.tx` when the caller's transaction must
   * commit them together with its own writes. Returns the stored events in input order. Throws
   * `audit_write_failed` when the database rejects the write, or `audit_key_unreadable` when the
   * audit MAC key cannot be unwrapped; callers that reveal PHI must then withhold it.
   */
  async append(
    events: AuditEventInput | readonly AuditEventInput[],
    options: { tx?: Queryable } = {},
  ): Promise<StoredAuditEvent[]> {
    const list = Array.isArray(events) ? (events as readonly AuditEventInput[]) : [events as AuditEventInput];
    if (list.length === 0) {
      return [];
    }
    for (const event of list) {
      checkDetails(event.details);
    }
    try {
      const macKey = await this.#macKeys.current(options.tx);
      if (options.tx !== undefined) {
        return await this.#appendIn(options.tx, list, macKey);
      }
      return await this.#db.transaction((tx) => this.#appendIn(tx, list, macKey));
    } catch (error) {
      if (isPhiCryptoError(error) || error instanceof PhiStoreError) {
        throw error;
      }
      const tenants = [...new Set(list.map((event) => event.tenantId))].join(', ');
      throw new PhiStoreError(
        'audit_write_failed',
        `storing ${list.length} audit event(s) of tenant ${tenants} failed; the audited operation must not proceed`,
        { cause: error },
      );
    }
  }

  async #appendIn(
    tx: Queryable,
    events: readonly AuditEventInput[],
    macKey: CurrentAuditMacKey,
  ): Promise<StoredAuditEvent[]> {
    const results = new Array<StoredAuditEvent>(events.length);
    const byTenant = new Map<string, number[]>();
    for (const [index, event] of events.entries()) {
      byTenant.set(event.tenantId, [...(byTenant.get(event.tenantId) ?? []), index]);
    }
    // A fixed lock order keeps two multi-tenant appends from deadlocking.
    for (const tenantId of [...byTenant.keys()].sort()) {
      const indexes = byTenant.get(tenantId) ?? [];
      const head = await lockHead(tx, tenantId);
      let sequence = head.sequence;
      let previousHash = head.hash;
      const chained: StoredAuditEvent[] = [];
      for (const index of indexes) {
        const input = events[index] as AuditEventInput;
        sequence += 1;
        const event: AuditEvent = {
          tenantId,
          sequence,
          occurredAt: (input.occurredAt ?? new Date(this.#clock())).toISOString(),
          actor: { type: input.actor.type, id: input.actor.id },
          action: input.action,
          resource: { type: input.resource.type, id: input.resource.id },
          purpose: input.purpose,
          outcome: input.outcome,
          keyVersion: input.keyVersion ?? null,
        };
        const hash = hashAuditEvent(previousHash, event, { key: macKey.key });
        const stored: StoredAuditEvent = {
          ...event,
          previousHash,
          hash,
          macKeyVersion: macKey.version,
          details: input.details ?? null,
          recordedAt: new Date(0),
        };
        chained.push(stored);
        results[index] = stored;
        previousHash = hash;
      }
      const recordedAt = await insertEvents(tx, chained);
      for (const event of chained) {
        event.recordedAt = recordedAt;
      }
      await tx.query(
        'UPDATE phi_audit_chain_heads SET sequence = $2, hash = $3, updated_at = now() WHERE tenant_id = $1',
        [tenantId, sequence, previousHash],
      );
    }
    return results;
  }

  /** Returns the recorded head of a tenant's chain, or null when it has no events. */
  async head(tenantId: string): Promise<AuditChainHead | null> {
    const { rows } = await this.#db.query<{ sequence: string; hash: string }>(
      'SELECT sequence, hash FROM phi_audit_chain_heads WHERE tenant_id = $1',
      [tenantId],
    );
    const row = rows[0];
    return row === undefined || row.sequence === '0'
      ? null
      : { tenantId, sequence: Number(row.sequence), hash: row.hash };
  }

  /** Lists a tenant's events newest first, starting below `beforeSequence` when given. */
  async listEvents(
    tenantId: string,
    page: { beforeSequence?: number; limit: number },
  ): Promise<StoredAuditEvent[]> {
    const { rows } = await this.#db.query<AuditRow>(
      `SELECT ${EVENT_COLUMNS} FROM phi_audit_events
        WHERE tenant_id = $1 AND ($2::bigint IS NULL OR sequence < $2::bigint)
        ORDER BY sequence DESC LIMIT $3`,
      [tenantId, page.beforeSequence ?? null, page.limit],
    );
    return rows.map(toStoredEvent);
  }

  /** Streams a tenant's events in sequence order, page by page, up to `throughSequence` when given. */
  async *iterateEvents(
    tenantId: string,
    options: { afterSequence?: number; throughSequence?: number; pageSize?: number } = {},
  ): AsyncGenerator<StoredAuditEvent> {
    const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
    let after = options.afterSequence ?? 0;
    for (;;) {
      const { rows } = await this.#db.query<AuditRow>(
        `SELECT ${EVENT_COLUMNS} FROM phi_audit_events
          WHERE tenant_id = $1 AND sequence > $2 AND ($3::bigint IS NULL OR sequence <= $3::bigint)
          ORDER BY sequence LIMIT $4`,
        [tenantId, after, options.throughSequence ?? null, pageSize],
      );
      for (const row of rows) {
        const event = toStoredEvent(row);
        after = event.sequence;
        yield event;
      }
      if (rows.length < pageSize) {
        return;
      }
    }
  }

  /**
   * Walks a tenant's chain from its first event to the recorded head. An edited event fails with
   * `hash_mismatch`, a deleted one with `sequence_gap` (or `head_mismatch` at the end), and events
   * swapped between positions with `previous_hash_mismatch`. A plain SHA-256 event after the
   * chain's sealed unkeyed prefix, or after a keyed event, fails with `unkeyed_event`. Events
   * appended while the walk runs are not part of it. Throws `audit_key_unreadable` when the
   * configured master keys cannot unwrap an audit MAC key, because then nothing can be verified.
   */
  async verifyChain(tenantId: string, options: { pageSize?: number } = {}): Promise<ChainVerification> {
    const keying = await this.#macKeys.chainKeying(tenantId);
    if (keying.kind === 'invalid_prefix') {
      return {
        ok: false,
        verified: 0,
        broken: { index: 0, sequence: null, reason: 'unkeyed_prefix_mismatch', message: keying.message },
      };
    }
    const head = await this.#recordedHead(tenantId);
    const expectedHead = { sequence: head.sequence, hash: head.hash };
    const events = this.iterateEvents(tenantId, {
      throughSequence: head.sequence === 0 ? undefined : head.sequence,
      pageSize: options.pageSize,
    });
    return verifyAuditChainAsync(events, {
      tenantId,
      expectedHead,
      ...(keying.kind === 'keyed' ? { macKeys: keying.macKeys } : {}),
    });
  }

  /** Lists tenant ids that have an audit chain, in order, for a walk over every chain. */
  async listChainTenants(page: { afterTenantId?: string; limit: number }): Promise<string[]> {
    const { rows } = await this.#db.query<{ tenant_id: string }>(
      `SELECT tenant_id FROM (
         SELECT tenant_id FROM phi_audit_chain_heads
         UNION SELECT DISTINCT tenant_id FROM phi_audit_events
       ) AS chains
       WHERE $1::text IS NULL OR tenant_id > $1::text
       ORDER BY tenant_id LIMIT $2`,
      [page.afterTenantId ?? null, page.limit],
    );
    return rows.map((row) => row.tenant_id);
  }

  /** A missing head row with events present is reported as head 0, so the walk ends in `head_mismatch`. */
  async #recordedHead(tenantId: string): Promise<{ sequence: number; hash: string }> {
    const head = await this.head(tenantId);
    return head ?? { sequence: 0, hash: GENESIS_HASH };
  }
}

/** Creates the tenant's head row if needed and locks it until the transaction ends. */
async function lockHead(tx: Queryable, tenantId: string): Promise<{ sequence: number; hash: string }> {
  // ON CONFLICT DO UPDATE locks the existing row (waiting for a concurrent appender to commit)
  // and returns its latest committed values, in one round trip.
  const { rows } = await tx.query<{ sequence: string; hash: string }>(
    `INSERT INTO phi_audit_chain_heads (tenant_id, sequence, hash) VALUES ($1, 0, $2)
     ON CONFLICT (tenant_id) DO UPDATE SET updated_at = phi_audit_chain_heads.updated_at
     RETURNING sequence, hash`,
    [tenantId, GENESIS_HASH],
  );
  const row = rows[0];
  if (row === undefined) {
    throw new PhiStoreError(
      'storage_inconsistent',
      `the audit chain head of tenant ${tenantId} could not be locked`,
    );
  }
  return { sequence: Number(row.sequence), hash: row.hash };
}

async function insertEvents(tx: Queryable, events: readonly StoredAuditEvent[]): Promise<Date> {
  const values: string[] = [];
  const params: unknown[] = [];
  for (const event of events) {
    const base = params.length;
    values.push(`(${Array.from({ length: 15 }, (_, i) => `$${base + i + 1}`).join(', ')})`);
    params.push(
      event.tenantId,
      event.sequence,
      event.occurredAt,
      event.actor.type,
      event.actor.id,
      event.action,
      event.resource.type,
      event.resource.id,
      event.purpose,
      event.outcome,
      event.keyVersion,
      event.details === null ? null : JSON.stringify(event.details),
      event.previousHash,
      event.hash,
      event.macKeyVersion,
    );
  }
  const { rows } = await tx.query<{ recorded_at: Date }>(
    `INSERT INTO phi_audit_events (tenant_id, sequence, occurred_at, actor_type, actor_id, action,
       resource_type, resource_id, purpose, outcome, key_version, details, previous_hash, hash, mac_key_version)
     VALUES ${values.join(', ')}
     RETURNING recorded_at`,
    params,
  );
  return rows[0]?.recorded_at ?? new Date();
}

function checkDetails(details: AuditDetails | undefined): void {
  if (details === undefined) {
    return;
  }
  const json = JSON.stringify(details);
  if (json.length > MAX_DETAILS_CHARS) {
    throw new PhiStoreError(
      'invalid_argument',
      `audit event details are ${json.length} characters as JSON, above the limit of ${MAX_DETAILS_CHARS}; ` +
        'record counts and identifiers, not data',
    );
  }
}
