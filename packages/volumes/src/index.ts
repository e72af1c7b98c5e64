export { isVolumeError, VolumeError, type VolumeErrorCode } from './errors.js';
export type {
  CallOptions,
  CreateVolumeRequest,
  DeleteVolumeOptions,
  Volume,
  VolumeProvider,
  VolumeStatus,
} from './provider.js';
