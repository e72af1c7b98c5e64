import { HetznerApiError, validateLabels, validateSize } from '@skillancer/hetzner-cloud';
import { VolumeError } from './errors.js';

/** Default label key that stores the pod id on a volume. */
export const DEFAULT_POD_LABEL_KEY = 'skillancer.io/pod';
/** Default labels put on every volume a provider creates, so orphans can be found by label. */
export const DEFAULT_MANAGED_LABELS: Readonly<Record<string, string>> = {
  'skillancer.io/managed-by': 'skillpod',
};
/** Attachments one node can take; a Hetzner server takes at most 16 volumes. */
export const DEFAULT_VOLUMES_PER_NODE = 16;

/** Checks the size with Hetzner's rules (whole GB, 10 to 10240) for every provider. */
export function checkSize(sizeGb: number): void {
  try {
    validateSize(sizeGb, 'sizeGb');
  } catch (error) {
    throw new VolumeError('invalid_size', reason(error), { cause: error });
  }
}

/** Checks label keys and values with Hetzner's rules for every provider. */
export function checkLabels(labels: Record<string, string>): void {
  try {
    validateLabels(labels);
  } catch (error) {
    throw new VolumeError('invalid_request', reason(error), { cause: error });
  }
}

/** The labels of a pod's volume: managed labels, the caller's labels, and the pod id. */
export function podLabels(
  podLabelKey: string,
  managed: Readonly<Record<string, string>>,
  podId: string,
  labels: Record<string, string> = {},
): Record<string, string> {
  const all = { ...managed, ...labels, [podLabelKey]: podId };
  checkLabels(all);
  return all;
}

function reason(error: unknown): string {
  return error instanceof HetznerApiError ? error.message : String(error);
}

/** True when every pair of `wanted` is among `labels`. */
export function hasLabels(labels: Record<string, string>, wanted: Record<string, string>): boolean {
  return Object.entries(wanted).every(([key, value]) => labels[key] === value);
}
