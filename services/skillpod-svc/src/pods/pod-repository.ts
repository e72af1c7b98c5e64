import type { Queryable } from '@skillancer/database';
import type { PodCursor } from './cursor.js';
import type { PodFailure } from './failures.js';
import { POD_COLUMNS, type PodRecord, toPodRecord } from './pod-record.js';
import type { PlannedOperation, PodState, SettledState } from './states.js';

export interface NewPod {
  id: string;
  tenantId: string;
  ownerUserId: string;
  name: string;
  sizeGb: number;
  location: string;
  idempotencyKey: string;
  requestFingerprint: string;
  createdAt: Date;
}

/** Fields a finished operation writes besides the state. */
export interface VolumeFacts {
  volumeId?: string | null;
  serverId?: string | null;
  devicePath?: string | null;
  sizeGb?: number;
}

// Lease times are computed by the database clock, so replicas with skewed clocks agree on expiry.
const LEASE_UNTIL = (param: string) => `now() + ${param}::double precision * interval '1 millisecond'`;

/**
 * SQL of the `pods` table. Every method changes rows with a single statement, so none needs a
 * transaction of its own. `in(tx)` runs them in the caller's transaction, for example together with
 * the outbox event of the change.
 */
export class PodRepository {
  readonly #db: Queryable;

  constructor(db: Queryable) {
    this.#db = db;
  }

  /** Returns a repository whose queries run in the transaction `tx`. */
  in(tx: Queryable): PodRepository {
    return new PodRepository(tx);
  }

  /**
   * Inserts a pod in `provisioning` with a create operation leased to `leaseToken`. When the tenant
   * already used the idempotency key, nothing is inserted and the earlier pod is returned.
   */
  async insert(
    pod: NewPod,
    leaseToken: string,
    leaseMs: number,
  ): Promise<{ created: boolean; pod: PodRecord }> {
    const inserted = await this.#db.query(
      `INSERT INTO pods (id, tenant_id, owner_user_id, name, state, size_gb, location, operation,
         operation_started_at, lease_token, lease_expires_at, idempotency_key, request_fingerprint,
         created_at, updated_at)
       VALUES ($1, $2, $3, $4, 'provisioning', $5, $6, 'create', now(), $7, ${LEASE_UNTIL('$8')}, $9, $10, $11, $11)
       ON CONFLICT (tenant_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
       RETURNING ${POD_COLUMNS}`,
      [
        pod.id,
        pod.tenantId,
        pod.ownerUserId,
        pod.name,
        pod.sizeGb,
        pod.location,
        leaseToken,
        leaseMs,
        pod.idempotencyKey,
        pod.requestFingerprint,
        pod.createdAt,
      ],
    );
    const [row] = inserted.rows;
    if (row !== undefined) return { created: true, pod: toPodRecord(row) };

    const existing = await this.#db.query(
      `SELECT ${POD_COLUMNS} FROM pods WHERE tenant_id = $1 AND idempotency_key = $2`,
      [pod.tenantId, pod.idempotencyKey],
    );
    const [earlier] = existing.rows;
    if (earlier === undefined) {
      throw new Error(`pod insert conflicted on idempotency key but no pod of tenant ${pod.tenantId} has it`);
    }
    return { created: false, pod: toPodRecord(earlier) };
  }

  async findForTenant(tenantId: string, podId: string): Promise<PodRecord | null> {
    const { rows } = await this.#db.query(
      `SELECT ${POD_COLUMNS} FROM pods WHERE tenant_id = $1 AND id = $2`,
      [tenantId, podId],
    );
    return rows[0] === undefined ? null : toPodRecord(rows[0]);
  }

  async findById(podId: string): Promise<PodRecord | null> {
    const { rows } = await this.#db.query(`SELECT ${POD_COLUMNS} FROM pods WHERE id = $1`, [podId]);
    return rows[0] === undefined ? null : toPodRecord(rows[0]);
  }

  /** Lists the tenant's pods that are not deleted, newest first, after `cursor`; returns `limit + 1` rows at most. */
  async listForTenant(tenantId: string, cursor: PodCursor | null, limit: number): Promise<PodRecord[]> {
    const params: unknown[] = [tenantId, limit + 1];
    let after = '';
    if (cursor !== null) {
      params.push(cursor.createdAt, cursor.id);
      after = 'AND (created_at, id) < ($3, $4)';
    }
    const { rows } = await this.#db.query(
      `SELECT ${POD_COLUMNS} FROM pods
       WHERE tenant_id = $1 AND state <> 'deleted' ${after}
       ORDER BY created_at DESC, id DESC
       LIMIT $2`,
      params,
    );
    return rows.map(toPodRecord);
  }

  /** Lists every pod that is not deleted, for the reconciler's comparison with the provider's volumes. */
  async listLive(): Promise<PodRecord[]> {
    const { rows } = await this.#db.query(`SELECT ${POD_COLUMNS} FROM pods WHERE state <> 'deleted'`);
    return rows.map(toPodRecord);
  }

  /**
   * Starts an operation on a settled pod if its version is still `expectedVersion`, leasing it to
   * `leaseToken`. Returns null when another request changed the pod first.
   */
  async beginOperation(
    pod: PodRecord,
    plan: PlannedOperation,
    options: { leaseToken: string; leaseMs: number; targetSizeGb?: number },
  ): Promise<PodRecord | null> {
    const { rows } = await this.#db.query(
      `UPDATE pods SET state = $3, operation = $4, resume_state = $5, operation_size_gb = $6,
         operation_started_at = now(), operation_attempts = 0, lease_token = $7,
         lease_expires_at = ${LEASE_UNTIL('$8')}, version = version + 1, updated_at = now()
       WHERE id = $1 AND version = $2 AND operation IS NULL
       RETURNING ${POD_COLUMNS}`,
      [
        pod.id,
        pod.version,
        plan.state,
        plan.operation,
        plan.resumeState,
        options.targetSizeGb ?? null,
        options.leaseToken,
        options.leaseMs,
      ],
    );
    return rows[0] === undefined ? null : toPodRecord(rows[0]);
  }

  /** Extends the lease while the worker holding `leaseToken` runs; false when the lease was taken over. */
  async renewLease(podId: string, leaseToken: string, leaseMs: number): Promise<boolean> {
    const { rowCount } = await this.#db.query(
      `UPDATE pods SET lease_expires_at = ${LEASE_UNTIL('$3')} WHERE id = $1 AND lease_token = $2`,
      [podId, leaseToken, leaseMs],
    );
    return rowCount === 1;
  }

  /** Ids of pods with an operation whose lease has expired (interrupted or postponed), oldest first. */
  async listClaimable(limit: number): Promise<string[]> {
    const { rows } = await this.#db.query<{ id: string }>(
      `SELECT id FROM pods
       WHERE operation IS NOT NULL AND (lease_expires_at IS NULL OR lease_expires_at <= now())
       ORDER BY operation_started_at, id
       LIMIT $1`,
      [limit],
    );
    return rows.map((row) => row.id);
  }

  /** Takes over the operation of a pod whose lease has expired; null when it is leased or settled. */
  async claim(podId: string, leaseToken: string, leaseMs: number): Promise<PodRecord | null> {
    const { rows } = await this.#db.query(
      `UPDATE pods SET lease_token = $2, lease_expires_at = ${LEASE_UNTIL('$3')}
       WHERE id = $1 AND operation IS NOT NULL AND (lease_expires_at IS NULL OR lease_expires_at <= now())
       RETURNING ${POD_COLUMNS}`,
      [podId, leaseToken, leaseMs],
    );
    return rows[0] === undefined ? null : toPodRecord(rows[0]);
  }

  /**
   * Ends the operation held under `leaseToken` in `state`, writing the volume facts and the failure
   * (or clearing it). Returns null when the lease was lost, so that the caller writes nothing.
   */
  async finishOperation(
    podId: string,
    leaseToken: string,
    state: SettledState,
    facts: VolumeFacts,
    failure: PodFailure | null,
  ): Promise<PodRecord | null> {
    const { rows } = await this.#db.query(
      `UPDATE pods SET state = $3,
         volume_id = CASE WHEN $4::boolean THEN $5 ELSE volume_id END,
         server_id = CASE WHEN $6::boolean THEN $7 ELSE server_id END,
         device_path = CASE WHEN $8::boolean THEN $9 ELSE device_path END,
         size_gb = COALESCE($10, size_gb),
         failure_code = $11, failure_message = $12,
         failed_at = CASE WHEN $11::text IS NULL THEN NULL ELSE now() END,
         deleted_at = CASE WHEN $3 = 'deleted' THEN now() ELSE deleted_at END,
         operation = NULL, operation_size_gb = NULL, resume_state = NULL, operation_started_at = NULL,
         operation_attempts = 0, lease_token = NULL, lease_expires_at = NULL,
         version = version + 1, updated_at = now()
       WHERE id = $1 AND lease_token = $2
       RETURNING ${POD_COLUMNS}`,
      [
        podId,
        leaseToken,
        state,
        facts.volumeId !== undefined,
        facts.volumeId ?? null,
        facts.serverId !== undefined,
        facts.serverId ?? null,
        facts.devicePath !== undefined,
        facts.devicePath ?? null,
        facts.sizeGb ?? null,
        failure?.code ?? null,
        failure?.message ?? null,
      ],
    );
    return rows[0] === undefined ? null : toPodRecord(rows[0]);
  }

  /**
   * Leaves the operation in flight after a transient failure: records the failure, counts the attempt
   * unless `countAttempt` is false, and lets the lease expire at `retryInMs` so a reconciler retries it.
   */
  async postponeOperation(
    podId: string,
    leaseToken: string,
    failure: PodFailure,
    retryInMs: number,
    countAttempt: boolean,
  ): Promise<PodRecord | null> {
    const { rows } = await this.#db.query(
      `UPDATE pods SET failure_code = $3, failure_message = $4, failed_at = now(),
         operation_attempts = operation_attempts + $5, lease_token = NULL,
         lease_expires_at = ${LEASE_UNTIL('$6')}, version = version + 1, updated_at = now()
       WHERE id = $1 AND lease_token = $2
       RETURNING ${POD_COLUMNS}`,
      [podId, leaseToken, failure.code, failure.message, countAttempt ? 1 : 0, retryInMs],
    );
    return rows[0] === undefined ? null : toPodRecord(rows[0]);
  }

  /** Records the volume found for a settled pod (for example a volume kept after a failed create). */
  async adoptVolume(pod: PodRecord, volumeId: string): Promise<boolean> {
    const { rowCount } = await this.#db.query(
      `UPDATE pods SET volume_id = $3, version = version + 1, updated_at = now()
       WHERE id = $1 AND version = $2 AND operation IS NULL`,
      [pod.id, pod.version, volumeId],
    );
    return rowCount === 1;
  }

  /** Moves a settled pod to the state its volume shows, if nothing changed the pod since it was read. */
  async correctState(
    pod: PodRecord,
    state: PodState,
    facts: { serverId: string | null; devicePath: string | null; sizeGb: number },
    failure: { code: string; message: string } | null,
  ): Promise<boolean> {
    const { rowCount } = await this.#db.query(
      `UPDATE pods SET state = $3, server_id = $4, device_path = $5, size_gb = $6,
         failure_code = COALESCE($7, failure_code), failure_message = COALESCE($8, failure_message),
         failed_at = CASE WHEN $7::text IS NULL THEN failed_at ELSE now() END,
         version = version + 1, updated_at = now()
       WHERE id = $1 AND version = $2 AND operation IS NULL`,
      [
        pod.id,
        pod.version,
        state,
        facts.serverId,
        facts.devicePath,
        facts.sizeGb,
        failure?.code ?? null,
        failure?.message ?? null,
      ],
    );
    return rowCount === 1;
  }
}
