import { randomUUID } from 'node:crypto';
import { type Database, isDatabaseError, type Queryable } from '@skillancer/database';
import type { ShredRequest } from '@skillancer/phi-crypto';
import { PhiStoreError } from '../errors.js';

/** `account` erases a user together with their personal tenant; `tenant` erases a whole tenant. */
export type ShredScope = 'account' | 'tenant';

/** A stored request to erase a tenant after a waiting period. */
export interface StoredShredRequest {
  id: string;
  tenantId: string;
  scope: ShredScope;
  /** The user to erase, for `account` requests. */
  userId: string | null;
  requestedBy: string;
  reason: string;
  requestedAt: Date;
  dueAt: Date;
  cancelledAt: Date | null;
  cancelledBy: string | null;
  startedAt: Date | null;
  executedAt: Date | null;
}

export interface NewShredRequest {
  tenantId: string;
  scope: ShredScope;
  userId?: string;
  /** Actor id of the requester. */
  requestedBy: string;
  reason: string;
  requestedAt: Date;
  /** Waiting period before the keys are destroyed, in hours (0 for at once). */
  delayHours: number;
}

type RequestRow = {
  id: string;
  tenant_id: string;
  scope: ShredScope;
  user_id: string | null;
  requested_by: string;
  reason: string;
  requested_at: Date;
  due_at: Date;
  cancelled_at: Date | null;
  cancelled_by: string | null;
  started_at: Date | null;
  executed_at: Date | null;
};

const COLUMNS =
  'id, tenant_id, scope, user_id, requested_by, reason, requested_at, due_at, cancelled_at, cancelled_by, started_at, executed_at';
const PENDING = 'cancelled_at IS NULL AND executed_at IS NULL';
const HOUR_MS = 3_600_000;

function toRequest(row: RequestRow): StoredShredRequest {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    scope: row.scope,
    userId: row.user_id,
    requestedBy: row.requested_by,
    reason: row.reason,
    requestedAt: row.requested_at,
    dueAt: row.due_at,
    cancelledAt: row.cancelled_at,
    cancelledBy: row.cancelled_by,
    startedAt: row.started_at,
    executedAt: row.executed_at,
  };
}

/** Converts a stored request to the phi-crypto form, which `KeyManager.shredTenant` checks for being due. */
export function toShredRequest(request: StoredShredRequest): ShredRequest {
  return {
    tenantId: request.tenantId,
    requestedBy: request.requestedBy,
    reason: request.reason,
    requestedAt: request.requestedAt,
    notBefore: request.dueAt,
  };
}

/** Stores shred requests in `phi_shred_requests`; at most one is pending per tenant. */
export class ShredRequestStore {
  constructor(private readonly db: Database) {}

  /** Stores a request; throws `shred_request_exists` when the tenant already has a pending one. */
  async create(input: NewShredRequest, tx?: Queryable): Promise<StoredShredRequest> {
    if (!Number.isFinite(input.delayHours) || input.delayHours < 0) {
      throw new PhiStoreError('invalid_argument', `delayHours must be 0 or more, got ${input.delayHours}`);
    }
    if ((input.scope === 'account') !== (input.userId !== undefined)) {
      throw new PhiStoreError(
        'invalid_argument',
        'an account erasure needs the userId, and only it takes one',
      );
    }
    const dueAt = new Date(input.requestedAt.getTime() + input.delayHours * HOUR_MS);
    try {
      const { rows } = await (tx ?? this.db).query<RequestRow>(
        `INSERT INTO phi_shred_requests (id, tenant_id, scope, user_id, requested_by, reason, requested_at, due_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${COLUMNS}`,
        [
          randomUUID(),
          input.tenantId,
          input.scope,
          input.userId ?? null,
          input.requestedBy,
          input.reason,
          input.requestedAt,
          dueAt,
        ],
      );
      return toRequest(rows[0] as RequestRow);
    } catch (error) {
      if (isDatabaseError(error, 'unique_violation')) {
        throw new PhiStoreError(
          'shred_request_exists',
          `tenant ${input.tenantId} already has a pending erasure request; cancel it before asking again`,
          { cause: error },
        );
      }
      throw error;
    }
  }

  async findPending(tenantId: string): Promise<StoredShredRequest | undefined> {
    const { rows } = await this.db.query<RequestRow>(
      `SELECT ${COLUMNS} FROM phi_shred_requests WHERE tenant_id = $1 AND ${PENDING}`,
      [tenantId],
    );
    return rows[0] === undefined ? undefined : toRequest(rows[0]);
  }

  async get(id: string): Promise<StoredShredRequest | undefined> {
    const { rows } = await this.db.query<RequestRow>(
      `SELECT ${COLUMNS} FROM phi_shred_requests WHERE id = $1`,
      [id],
    );
    return rows[0] === undefined ? undefined : toRequest(rows[0]);
  }

  /**
   * Cancels the tenant's pending request. Throws `shred_request_not_found` when there is none and
   * `shred_request_started` when the job has already started it.
   */
  async cancel(tenantId: string, cancelledBy: string, at: Date, tx?: Queryable): Promise<StoredShredRequest> {
    const q = tx ?? this.db;
    const { rows } = await q.query<RequestRow>(
      `UPDATE phi_shred_requests SET cancelled_at = $3, cancelled_by = $2
        WHERE tenant_id = $1 AND ${PENDING} AND started_at IS NULL
        RETURNING ${COLUMNS}`,
      [tenantId, cancelledBy, at],
    );
    const row = rows[0];
    if (row !== undefined) {
      return toRequest(row);
    }
    const { rows: pendingRows } = await q.query<RequestRow>(
      `SELECT ${COLUMNS} FROM phi_shred_requests WHERE tenant_id = $1 AND ${PENDING}`,
      [tenantId],
    );
    const pending = pendingRows[0];
    if (pending === undefined) {
      throw new PhiStoreError('shred_request_not_found', `tenant ${tenantId} has no pending erasure request`);
    }
    throw new PhiStoreError(
      'shred_request_started',
      `the erasure of tenant ${tenantId} started at ${pending.started_at?.toISOString()} and can no longer be cancelled`,
    );
  }

  /** Lists requests that are due at `now` and not finished, including ones a crashed run started. */
  async listDue(now: Date, limit: number): Promise<StoredShredRequest[]> {
    const { rows } = await this.db.query<RequestRow>(
      `SELECT ${COLUMNS} FROM phi_shred_requests WHERE ${PENDING} AND due_at <= $1 ORDER BY due_at, id LIMIT $2`,
      [now, limit],
    );
    return rows.map(toRequest);
  }

  /**
   * Marks a due request as started, after which it cannot be cancelled. Returns the request, or
   * undefined when it was cancelled or executed meanwhile. Claiming a started request again
   * returns it, so a crashed run is resumed.
   */
  async claim(id: string, now: Date): Promise<StoredShredRequest | undefined> {
    const { rows } = await this.db.query<RequestRow>(
      `UPDATE phi_shred_requests SET started_at = COALESCE(started_at, $2)
        WHERE id = $1 AND ${PENDING} AND due_at <= $2
        RETURNING ${COLUMNS}`,
      [id, now],
    );
    return rows[0] === undefined ? undefined : toRequest(rows[0]);
  }

  async markExecuted(tx: Queryable, id: string, at: Date): Promise<void> {
    await tx.query('UPDATE phi_shred_requests SET executed_at = $2 WHERE id = $1', [id, at]);
  }
}
