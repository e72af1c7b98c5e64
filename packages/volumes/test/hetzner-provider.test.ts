import { HetznerClient } from '@skillancer/hetzner-cloud';
import {
  type HetznerSimulator,
  sharedOpenApiValidator,
  startHetznerSimulator,
} from '@skillancer/testing/hetzner';
import { HetznerVolumeProvider } from '../src/index.js';
import { describeVolumeProviderContract } from './contract.js';
import { FAST_CLIENT } from './hetzner-harness.js';

describeVolumeProviderContract('hetzner', async (limits) => {
  const simulator: HetznerSimulator = await startHetznerSimulator({
    validator: sharedOpenApiValidator(),
    durations: { create_volume: 20, attach_volume: 20, detach_volume: 20, resize_volume: 20 },
    volumesPerServer: limits.volumesPerNode,
    ...(limits.quota === undefined ? {} : { volumeQuota: limits.quota }),
    servers: Array.from({ length: limits.nodes }, (_, index) => ({
      name: `node-${index + 1}`,
      location: 'fsn1',
      labels: { 'skillancer.io/role': 'skillpod-node' },
    })),
  });
  const client = new HetznerClient({ ...FAST_CLIENT, token: simulator.token, endpoint: simulator.url });
  const provider = new HetznerVolumeProvider({ client, volumesPerServer: limits.volumesPerNode });
  return {
    provider,
    location: 'fsn1',
    close: async () => {
      await simulator.close();
      if (simulator.violations.length > 0)
        throw new Error(`OpenAPI violations:\n${simulator.violations.join('\n')}`);
    },
  };
});
