/** Stable codes of `VolumeError`. */
export type VolumeErrorCode =
  | 'invalid_size'
  | 'invalid_request'
  | 'not_found'
  | 'no_capacity'
  | 'quota_exceeded'
  | 'protected'
  | 'already_attached'
  | 'attach_failed'
  | 'action_failed'
  | 'timeout'
  | 'aborted'
  | 'provider_unavailable'
  | 'provider_error';

/** The one error class of `@skillancer/volumes`. */
export class VolumeError extends Error {
  override readonly name = 'VolumeError';
  readonly code: VolumeErrorCode;
  /** Id of the volume involved, when one exists (for example a volume kept after a failed attach). */
  readonly volumeId: string | undefined;

  constructor(code: VolumeErrorCode, message: string, options: { cause?: unknown; volumeId?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.volumeId = options.volumeId;
  }
}

export function isVolumeError(error: unknown, ...codes: VolumeErrorCode[]): error is VolumeError {
  return error instanceof VolumeError && (codes.length === 0 || codes.includes(error.code));
}
