export { ActionWaiter, actionFailed, type PollOptions, type WaitOptions } from './action-waiter.js';
export { DEFAULT_ENDPOINT, HetznerClient, type HetznerClientOptions } from './client.js';
export {
  type HetznerApiCode,
  HetznerApiError,
  type HetznerClientCode,
  type HetznerErrorCode,
  type HetznerErrorOrigin,
  invalidInput,
  isHetznerError,
} from './errors.js';
export { selectorFromLabels } from './label-selector.js';
export type { LockedRetryOptions } from './operations/locked-retry.js';
export {
  type DeleteOptions,
  type OperationOptions,
  VolumeOperations,
} from './operations/volume-operations.js';
export { ALL_PER_PAGE, collectAll } from './pagination.js';
export { ACTIONS_PER_REQUEST, ActionsResource } from './resources/actions.js';
export { type ListLocationsOptions, LocationsResource } from './resources/locations.js';
export { type ListServersOptions, ServersResource } from './resources/servers.js';
export { type ListVolumesOptions, VolumesResource } from './resources/volumes.js';
export type { BackoffOptions, HetznerCall, HetznerObserver, RetryOptions } from './transport/index.js';
export { isRetryable, RatePacer, readRateLimit } from './transport/index.js';
export type * from './types.js';
export {
  MAX_VOLUME_NAME_LENGTH,
  MAX_VOLUME_SIZE_GB,
  MIN_VOLUME_SIZE_GB,
  validateCreateVolume,
  validateLabelKey,
  validateLabels,
  validateLabelValue,
  validateName,
  validateSize,
} from './validate.js';
