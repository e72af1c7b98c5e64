import type { PodEvent, PodEventAction } from '../events/pod-events.js';
import type { PodFailure } from './failures.js';
import type { PodRecord } from './pod-record.js';
import type { PodOperation } from './states.js';

const ACTION_ON_SUCCESS: Record<PodOperation, PodEventAction> = {
  create: 'pod.ready',
  start: 'pod.started',
  stop: 'pod.stopped',
  resize: 'pod.resized',
  delete: 'pod.deleted',
};

/**
 * Builds the event of a finished operation from the pod before (`running`) and after (`finished`) it.
 * A failed create is `pod.failed`; other failures keep their action with outcome `failure`.
 */
export function podEventOf(
  running: PodRecord,
  finished: PodRecord,
  failure: PodFailure | null,
  actorUserId: string | undefined,
): PodEvent | null {
  const operation = running.operation;
  if (operation === null) return null;
  const action: PodEventAction =
    failure !== null && finished.state === 'failed' ? 'pod.failed' : ACTION_ON_SUCCESS[operation];

  const details: Record<string, unknown> = { operation, state: finished.state };
  if (finished.volumeId !== null) details.volumeId = finished.volumeId;
  if (operation === 'resize') {
    details.fromSizeGb = running.sizeGb;
    details.toSizeGb = running.operationSizeGb;
  }
  if (failure !== null) {
    details.failureCode = failure.code;
    details.failureMessage = failure.message;
  }
  return {
    tenantId: running.tenantId,
    ...(actorUserId === undefined ? {} : { actorUserId }),
    action,
    podId: running.id,
    outcome: failure === null ? 'success' : 'failure',
    details,
  };
}
