/**
 * The SkillPod state machine. A pod is either settled (`ready`, `stopped`, `failed`, `deleted`) or in
 * the transitional state of exactly one operation in flight. The database enforces the same pairing
 * with a CHECK constraint on `pods`.
 *
 * | operation | starts from            | state while running | on success      | on permanent failure |
 * | --------- | ---------------------- | ------------------- | --------------- | -------------------- |
 * | create    | a new pod, failed      | provisioning        | ready           | failed               |
 * | stop      | ready                  | stopping            | stopped         | ready                |
 * | start     | stopped                | starting            | ready           | stopped              |
 * | resize    | ready, stopped         | resizing            | where it was    | where it was         |
 * | delete    | ready, stopped, failed | deleting            | deleted         | where it was         |
 *
 * A stop, start or resize whose volume has disappeared at the provider fails the pod with
 * `volume_missing` instead.
 */

export const POD_STATES = [
  'provisioning',
  'ready',
  'stopping',
  'stopped',
  'starting',
  'resizing',
  'deleting',
  'deleted',
  'failed',
] as const;
export type PodState = (typeof POD_STATES)[number];

export type SettledState = 'ready' | 'stopped' | 'failed' | 'deleted';
/** Settled states that a stop, start, resize or delete returns to when it fails. */
export type ResumeState = 'ready' | 'stopped' | 'failed';

export const POD_OPERATIONS = ['create', 'stop', 'start', 'resize', 'delete'] as const;
export type PodOperation = (typeof POD_OPERATIONS)[number];

/** Actions of `POST /pods/:podId/action`. */
export type PodAction = 'stop' | 'start' | 'resize';

/** The state a pod is in while each operation runs. */
export const OPERATION_STATE: Record<PodOperation, PodState> = {
  create: 'provisioning',
  stop: 'stopping',
  start: 'starting',
  resize: 'resizing',
  delete: 'deleting',
};

/** Failure code of a pod whose volume disappeared at the provider; such a pod cannot be started again. */
export const VOLUME_MISSING = 'volume_missing';

export function isSettled(state: PodState): state is SettledState {
  return state === 'ready' || state === 'stopped' || state === 'failed' || state === 'deleted';
}

/** A planned transition: the operation to start and the settled state to return to if it fails. */
export interface PlannedOperation {
  operation: PodOperation;
  state: PodState;
  resumeState: ResumeState | null;
}

/** Rejection of an action that cannot start now; the route turns it into a 409. */
export interface RejectedTransition {
  code: 'operation_in_progress' | 'invalid_state';
  message: string;
}

/**
 * Plans a tenant's action on a pod in `state`. `start` on a failed pod re-runs the create, which adopts
 * a volume kept from the failed attempt.
 */
export function planTransition(
  state: PodState,
  action: PodAction | 'delete',
  failureCode: string | null,
): PlannedOperation | RejectedTransition {
  if (!isSettled(state)) {
    return {
      code: 'operation_in_progress',
      message: `The pod is ${state}; wait until the running operation has finished and try again`,
    };
  }
  if (state === 'deleted') {
    return { code: 'invalid_state', message: 'The pod has been deleted' };
  }

  switch (action) {
    case 'stop':
      if (state === 'ready') return plan('stop', state);
      return invalid(state, 'stop', 'only a ready pod can be stopped');
    case 'start':
      if (state === 'stopped') return plan('start', state);
      if (state === 'failed' && failureCode !== VOLUME_MISSING) {
        return { operation: 'create', state: OPERATION_STATE.create, resumeState: null };
      }
      return invalid(
        state,
        'start',
        state === 'failed'
          ? 'its volume no longer exists at the provider; delete the pod and create a new one'
          : 'only a stopped pod, or a pod whose creation failed, can be started',
      );
    case 'resize':
      if (state === 'ready' || state === 'stopped') return plan('resize', state);
      return invalid(state, 'resize', 'only a ready or stopped pod can be resized');
    case 'delete':
      return plan('delete', state);
  }
}

function plan(operation: PodOperation, from: ResumeState): PlannedOperation {
  return { operation, state: OPERATION_STATE[operation], resumeState: from };
}

function invalid(state: PodState, action: string, rule: string): RejectedTransition {
  return { code: 'invalid_state', message: `Cannot ${action} a pod that is ${state}: ${rule}` };
}

export function isRejected(result: PlannedOperation | RejectedTransition): result is RejectedTransition {
  return 'code' in result;
}

/** Returns the settled state a successful operation ends in. */
export function stateAfterSuccess(operation: PodOperation, resumeState: ResumeState | null): SettledState {
  switch (operation) {
    case 'create':
    case 'start':
      return 'ready';
    case 'stop':
      return 'stopped';
    case 'delete':
      return 'deleted';
    case 'resize':
      return resumeState ?? 'ready';
  }
}

/** Returns the settled state after a permanent failure: a create fails the pod, other operations go back. */
export function stateAfterFailure(operation: PodOperation, resumeState: ResumeState | null): ResumeState {
  if (operation === 'create') return 'failed';
  return resumeState ?? 'failed';
}
