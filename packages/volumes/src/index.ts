export { isVolumeError, VolumeError, type VolumeErrorCode } from './errors.js';
export { HetznerVolumeProvider, type HetznerVolumeProviderOptions } from './hetzner-provider.js';
export { DEFAULT_MANAGED_LABELS, DEFAULT_POD_LABEL_KEY, DEFAULT_VOLUMES_PER_NODE } from './labels.js';
export { type LocalNode, LocalVolumeProvider, type LocalVolumeProviderOptions } from './local-provider.js';
export type {
  CallOptions,
  CreateVolumeRequest,
  DeleteVolumeOptions,
  Volume,
  VolumeProvider,
  VolumeStatus,
} from './provider.js';
