import { HetznerApiError } from '@skillancer/hetzner-cloud';
import { VolumeError, type VolumeErrorCode } from './errors.js';

const CODE_MAP: Record<string, VolumeErrorCode> = {
  not_found: 'not_found',
  resource_limit_exceeded: 'quota_exceeded',
  no_space_left_in_location: 'no_capacity',
  limit_exceeded_error: 'no_capacity',
  protected: 'protected',
  volume_already_attached: 'already_attached',
  action_failed: 'action_failed',
  action_timeout: 'timeout',
  request_timeout: 'timeout',
  aborted: 'aborted',
  rate_limit_exceeded: 'provider_unavailable',
  bad_gateway: 'provider_unavailable',
  timeout: 'provider_unavailable',
  unavailable: 'provider_unavailable',
  network_error: 'provider_unavailable',
  maintenance: 'provider_unavailable',
  locked: 'provider_unavailable',
};

/** Translates a client error into a `VolumeError`, keeping it as `cause`. */
export function toVolumeError(error: unknown, volumeId?: string): VolumeError {
  if (error instanceof VolumeError) return error;
  if (!(error instanceof HetznerApiError)) {
    return new VolumeError('provider_error', `Hetzner volume operation failed: ${String(error)}`, {
      cause: error,
      ...(volumeId === undefined ? {} : { volumeId }),
    });
  }
  let code = CODE_MAP[error.code] ?? 'provider_error';
  if (error.code === 'invalid_input')
    code = mentionsField(error, 'size') ? 'invalid_size' : 'invalid_request';
  return new VolumeError(code, error.message, {
    cause: error,
    ...(volumeId === undefined ? {} : { volumeId }),
  });
}

function mentionsField(error: HetznerApiError, name: string): boolean {
  const fields = error.details?.fields;
  return Array.isArray(fields) && fields.some((field) => (field as { name?: unknown }).name === name);
}
