import type { VolumesConfig } from '@skillancer/config';
import { HetznerClient, type HetznerObserver } from '@skillancer/hetzner-cloud';
import {
  DEFAULT_MANAGED_LABELS,
  HetznerVolumeProvider,
  LocalVolumeProvider,
  type VolumeProvider,
} from '@skillancer/volumes';

/**
 * Builds the volume provider that `VOLUME_PROVIDER` selects. Local volumes live on one node named
 * `local-node-1` in the configured location, so pods created against either provider look alike.
 */
export function createVolumeProvider(
  config: VolumesConfig,
  options: { observer?: HetznerObserver; managedLabels?: Record<string, string> } = {},
): VolumeProvider {
  const managedLabels = options.managedLabels ?? { ...DEFAULT_MANAGED_LABELS };
  if (config.provider === 'local') {
    return new LocalVolumeProvider({
      root: config.localRootDir,
      nodes: [{ id: 'local-node-1', location: config.location }],
      managedLabels,
    });
  }
  if (config.hetznerApiToken === undefined || config.hetznerApiToken === '') {
    throw new Error(
      'the hetzner volume provider needs HETZNER_API_TOKEN; set it or choose the local provider',
    );
  }
  const client = new HetznerClient({
    token: config.hetznerApiToken,
    endpoint: config.hetznerApiUrl,
    ...(options.observer === undefined ? {} : { observer: options.observer }),
  });
  return new HetznerVolumeProvider({ client, serverSelector: config.nodeSelector, managedLabels });
}
