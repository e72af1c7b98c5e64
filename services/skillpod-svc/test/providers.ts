import type { HetznerSimulator } from '@skillancer/testing/hetzner';
import type { VolumeProvider } from '@skillancer/volumes';
import { localProvider, simulatedHetzner } from './support.js';

/** A volume provider for one test, with the simulator behind it when there is one. */
export interface ProviderUnderTest {
  provider: VolumeProvider;
  simulator: HetznerSimulator | null;
  close(): Promise<void>;
}

export type ProviderKind = 'local' | 'hetzner';
export const PROVIDER_KINDS: readonly ProviderKind[] = ['local', 'hetzner'];

/** Starts a local provider in a temporary directory, or a Hetzner provider against a fresh simulator. */
export async function startProvider(kind: ProviderKind): Promise<ProviderUnderTest> {
  if (kind === 'local') {
    const { provider, cleanup } = await localProvider();
    return { provider, simulator: null, close: cleanup };
  }
  const { simulator, provider } = await simulatedHetzner();
  return { provider, simulator, close: () => simulator.close() };
}

/** Requests the simulator has handled so far; 0 for the local provider. */
export function requestCount(under: ProviderUnderTest): number {
  return under.simulator?.requests.length ?? 0;
}
