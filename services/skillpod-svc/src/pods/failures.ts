import { isVolumeError, type VolumeErrorCode } from '@skillancer/volumes';
import { VOLUME_MISSING } from './states.js';

/** A failed pod operation as the service records it. */
export interface PodFailure {
  /** Stable code shown to the tenant in `failure.code`. */
  code: string;
  /** Message for the tenant: what failed and what to do. */
  message: string;
  /**
   * True when the same operation may succeed later unchanged: the provider was unreachable or rate
   * limited, an action timed out, or the service shut down. The reconciler then retries the operation.
   */
  transient: boolean;
  /** Provider volume id the error names, for example a volume kept after a failed attach. */
  volumeId?: string;
}

const TRANSIENT_CODES: ReadonlySet<VolumeErrorCode> = new Set(['provider_unavailable', 'timeout', 'aborted']);

const MESSAGES: Record<VolumeErrorCode, string> = {
  invalid_size: 'The provider rejected the volume size; volumes take whole GB from 10 to 10240 and only grow',
  invalid_request: 'The provider rejected the volume request as invalid; report this to an operator',
  not_found: 'The volume of this pod no longer exists at the provider; delete the pod and create a new one',
  no_capacity:
    'No SkillPod node in this location has a free volume slot; start the pod later to retry, or ask an operator to add a node',
  quota_exceeded:
    "The volume quota of the platform's cloud project is reached; delete unused pods or ask an operator to raise the quota, then start the pod to retry",
  protected: 'The volume has delete protection; ask an operator to turn it off, then delete the pod again',
  already_attached: 'The volume is attached to another node; stop the pod and start it again',
  attach_failed:
    'The volume was created but attaching it to a node failed; it is kept detached, so start the pod to retry or delete it',
  action_failed: 'The provider reported that the volume operation failed; retry the action later',
  timeout: 'The volume operation did not finish in time; it is retried automatically',
  aborted: 'The service stopped while the operation was running; it is resumed automatically',
  provider_unavailable:
    'The volume provider is unavailable or rate limited; the operation is retried automatically',
  provider_error: 'The volume provider failed; retry the action later and report the pod id if it persists',
};

/** Public code of each provider error; most keep their name. */
const CODES: Partial<Record<VolumeErrorCode, string>> = {
  not_found: VOLUME_MISSING,
  protected: 'volume_protected',
};

/** Turns an error of a volume operation into the failure recorded on the pod. */
export function classifyFailure(error: unknown): PodFailure {
  if (!isVolumeError(error)) {
    return {
      code: 'internal_error',
      message: 'The operation failed unexpectedly; it is retried automatically',
      transient: true,
    };
  }
  return {
    code: CODES[error.code] ?? error.code,
    message: MESSAGES[error.code],
    transient: TRANSIENT_CODES.has(error.code),
    ...(error.volumeId === undefined ? {} : { volumeId: error.volumeId }),
  };
}

/** Builds the permanent failure of an operation that failed transiently until its attempts ran out. */
export function exhaustedFailure(last: PodFailure, attempts: number): PodFailure {
  return {
    code: last.code,
    message: `${last.message.replace(/; (it|the operation) is (retried|resumed) automatically$/, '')}; gave up after ${attempts} attempts`,
    transient: false,
    ...(last.volumeId === undefined ? {} : { volumeId: last.volumeId }),
  };
}
