import type { ObjectStore } from '@skillancer/object-storage';
import { type AuditActor, deletionEvent, type RecordingAuditTrail } from './recording-audit.js';
import { deleteRecordingObjects } from './recording-objects.js';
import type { DeletionTarget, RecordingRepository } from './recording-repository.js';

export interface DeletionDependencies {
  repository: RecordingRepository;
  store: ObjectStore;
  audit: RecordingAuditTrail;
}

/**
 * Removes a recording that is already in `deleting`: first every object under its prefix, then
 * its rows together with an audit event in one transaction. Safe to run twice or concurrently,
 * because deleting a missing object succeeds and only the caller whose DELETE removed the row
 * writes the event. When the objects cannot all be deleted it throws and the row stays in
 * `deleting`, hidden from the API, for the retention sweeper to finish. Returns whether this call
 * removed the row.
 */
export async function removeRecording(
  deps: DeletionDependencies,
  target: DeletionTarget,
  actor: AuditActor,
  purpose: 'retention' | 'user_request',
): Promise<boolean> {
  const objects = await deleteRecordingObjects(deps.store, target.tenantId, target.storageId);
  return deps.repository.db.transaction(async (tx) => {
    const removed = await deps.repository.deleteRow(tx, target.id);
    if (removed) {
      await deps.audit.append(
        deletionEvent({ tenantId: target.tenantId, actor, recordingId: target.id, purpose, objects }),
        { tx },
      );
    }
    return removed;
  });
}
