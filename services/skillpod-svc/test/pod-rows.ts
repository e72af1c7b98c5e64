import { randomUUID } from 'node:crypto';
import type { Database } from '@skillancer/database';
import type { PodOperation, PodState, ResumeState } from '../src/pods/states.js';
import type { TestUser } from './support.js';

/** A pod row as a crash (or an outside change) leaves it. */
export interface PodRowSeed {
  state: PodState;
  operation?: PodOperation;
  sizeGb?: number;
  operationSizeGb?: number;
  resumeState?: ResumeState;
  volumeId?: string;
  serverId?: string;
  devicePath?: string;
  failureCode?: string;
  /** Lease expiry relative to now; negative means expired, as after a crash. Default -1000. */
  leaseExpiresInMs?: number;
}

/** Inserts a pod row directly, bypassing the API, and returns its id. */
export async function insertPodRow(
  db: Database,
  user: TestUser,
  seed: PodRowSeed,
  id = randomUUID(),
): Promise<string> {
  const inFlight = seed.operation !== undefined;
  await db.query(
    `INSERT INTO pods (id, tenant_id, owner_user_id, name, state, size_gb, location, volume_id, server_id,
       device_path, operation, operation_size_gb, resume_state, operation_started_at, lease_token,
       lease_expires_at, failure_code, failure_message, failed_at, created_at, updated_at, deleted_at)
     VALUES ($1, $2, $3, 'seeded', $4, $5, 'fsn1', $6, $7, $8, $9, $10, $11,
       CASE WHEN $12::boolean THEN now() END,
       CASE WHEN $12::boolean THEN $13::uuid END,
       CASE WHEN $12::boolean THEN now() + $14::double precision * interval '1 millisecond' END,
       $15::text, CASE WHEN $15::text IS NULL THEN NULL ELSE 'seeded failure' END,
       CASE WHEN $15::text IS NULL THEN NULL ELSE now() END,
       now(), now(), CASE WHEN $4 = 'deleted' THEN now() END)`,
    [
      id,
      user.tenantId,
      user.userId,
      seed.state,
      seed.sizeGb ?? 10,
      seed.volumeId ?? null,
      seed.serverId ?? null,
      seed.devicePath ?? null,
      seed.operation ?? null,
      seed.operationSizeGb ?? null,
      seed.resumeState ?? null,
      inFlight,
      randomUUID(),
      seed.leaseExpiresInMs ?? -1000,
      seed.failureCode ?? null,
    ],
  );
  return id;
}

export async function readPodRow(db: Database, id: string) {
  const { rows } = await db.query<{
    state: string;
    operation: string | null;
    volume_id: string | null;
    server_id: string | null;
    size_gb: number;
    failure_code: string | null;
  }>('SELECT state, operation, volume_id, server_id, size_gb, failure_code FROM pods WHERE id = $1', [id]);
  const row = rows[0];
  if (row === undefined) throw new Error(`pod ${id} does not exist`);
  return row;
}
