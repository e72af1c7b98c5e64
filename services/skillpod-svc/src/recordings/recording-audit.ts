import type { Queryable } from '@skillancer/database';
import type { AuditEventInput } from '@skillancer/phi-store';
import type { Principal } from '@skillancer/service-kit';

/** The part of phi-store's `AuditTrail` that recordings use. */
export interface RecordingAuditTrail {
  append(
    events: AuditEventInput | readonly AuditEventInput[],
    options?: { tx?: Queryable },
  ): Promise<unknown>;
}

export const RECORDING_RESOURCE = 'session_recording';

/** Actor of deletions made by the retention sweeper. */
export const RETENTION_ACTOR = { type: 'system', id: 'recording-retention' } as const;

export type AuditActor = { type: string; id: string };

export function userActor(principal: Principal): AuditActor {
  return { type: 'user', id: principal.userId };
}

/** Builds the event of one playback: who watched which recording, which bytes, and whether it was allowed. */
export function playbackEvent(input: {
  tenantId: string;
  actor: AuditActor;
  recordingId: string;
  outcome: AuditEventInput['outcome'];
  details: { range?: string; bytes?: number; reason?: string };
}): AuditEventInput {
  return {
    tenantId: input.tenantId,
    actor: input.actor,
    action: 'recording.play',
    resource: { type: RECORDING_RESOURCE, id: input.recordingId },
    purpose: 'playback',
    outcome: input.outcome,
    details: input.details,
  };
}

export function deletionEvent(input: {
  tenantId: string;
  actor: AuditActor;
  recordingId: string;
  purpose: 'retention' | 'user_request';
  objects: number;
}): AuditEventInput {
  return {
    tenantId: input.tenantId,
    actor: input.actor,
    action: 'recording.delete',
    resource: { type: RECORDING_RESOURCE, id: input.recordingId },
    purpose: input.purpose,
    outcome: 'success',
    details: { objects: input.objects },
  };
}

export function retentionChangeEvent(input: {
  tenantId: string;
  actor: AuditActor;
  retentionDays: number | null;
}): AuditEventInput {
  return {
    tenantId: input.tenantId,
    actor: input.actor,
    action: 'recording.retention.update',
    resource: { type: 'recording_retention_policy', id: input.tenantId },
    purpose: 'retention',
    outcome: 'success',
    details: { retentionDays: input.retentionDays },
  };
}
