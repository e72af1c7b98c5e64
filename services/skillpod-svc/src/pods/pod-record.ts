import type { Row } from '@skillancer/database';
import type { PodOperation, PodState, ResumeState } from './states.js';

/** One row of `pods`. */
export interface PodRecord {
  id: string;
  tenantId: string;
  ownerUserId: string;
  name: string;
  state: PodState;
  sizeGb: number;
  location: string;
  volumeId: string | null;
  serverId: string | null;
  devicePath: string | null;
  operation: PodOperation | null;
  /** Target size of a resize in flight. */
  operationSizeGb: number | null;
  resumeState: ResumeState | null;
  operationStartedAt: Date | null;
  operationAttempts: number;
  leaseToken: string | null;
  leaseExpiresAt: Date | null;
  failureCode: string | null;
  failureMessage: string | null;
  failedAt: Date | null;
  idempotencyKey: string | null;
  requestFingerprint: string | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
  deletedAt: Date | null;
}

/** Column list of every query that returns whole pods. */
export const POD_COLUMNS = `id, tenant_id, owner_user_id, name, state, size_gb, location, volume_id, server_id,
  device_path, operation, operation_size_gb, resume_state, operation_started_at, operation_attempts,
  lease_token, lease_expires_at, failure_code, failure_message, failed_at, idempotency_key,
  request_fingerprint, version, created_at, updated_at, deleted_at`;

export function toPodRecord(row: Row): PodRecord {
  return {
    id: row.id as string,
    tenantId: row.tenant_id as string,
    ownerUserId: row.owner_user_id as string,
    name: row.name as string,
    state: row.state as PodState,
    sizeGb: Number(row.size_gb),
    location: row.location as string,
    volumeId: (row.volume_id as string | null) ?? null,
    serverId: (row.server_id as string | null) ?? null,
    devicePath: (row.device_path as string | null) ?? null,
    operation: (row.operation as PodOperation | null) ?? null,
    operationSizeGb: row.operation_size_gb === null ? null : Number(row.operation_size_gb),
    resumeState: (row.resume_state as ResumeState | null) ?? null,
    operationStartedAt: (row.operation_started_at as Date | null) ?? null,
    operationAttempts: Number(row.operation_attempts),
    leaseToken: (row.lease_token as string | null) ?? null,
    leaseExpiresAt: (row.lease_expires_at as Date | null) ?? null,
    failureCode: (row.failure_code as string | null) ?? null,
    failureMessage: (row.failure_message as string | null) ?? null,
    failedAt: (row.failed_at as Date | null) ?? null,
    idempotencyKey: (row.idempotency_key as string | null) ?? null,
    requestFingerprint: (row.request_fingerprint as string | null) ?? null,
    version: Number(row.version),
    createdAt: row.created_at as Date,
    updatedAt: row.updated_at as Date,
    deletedAt: (row.deleted_at as Date | null) ?? null,
  };
}
