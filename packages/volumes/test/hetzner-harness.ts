import { type HetznerCall, HetznerClient, type HetznerClientOptions } from '@skillancer/hetzner-cloud';
import {
  type HetznerSimulator,
  type HetznerSimulatorOptions,
  sharedOpenApiValidator,
  startHetznerSimulator,
} from '@skillancer/testing/hetzner';
import { afterEach, expect } from 'vitest';
import { HetznerVolumeProvider, type HetznerVolumeProviderOptions } from '../src/index.js';

/** Client options with short delays to match the short simulated actions of the tests. */
export const FAST_CLIENT: Omit<HetznerClientOptions, 'token'> = {
  timeoutMs: 2_000,
  retry: { baseMs: 5, capMs: 40 },
  poll: { initialDelayMs: 15, baseMs: 15, capMs: 60, timeoutMs: 5_000 },
  lockedRetry: { baseMs: 10, capMs: 60, maxTries: 30 },
};

export interface ProviderHarness {
  simulator: HetznerSimulator;
  client: HetznerClient;
  provider: HetznerVolumeProvider;
  calls: HetznerCall[];
}

const open: HetznerSimulator[] = [];

export async function startProvider(
  simulatorOptions: HetznerSimulatorOptions = {},
  providerOptions: Partial<HetznerVolumeProviderOptions> = {},
  clientOptions: Partial<HetznerClientOptions> = {},
): Promise<ProviderHarness> {
  const simulator = await startHetznerSimulator({
    validator: sharedOpenApiValidator(),
    durations: { create_volume: 20, attach_volume: 20, detach_volume: 20, resize_volume: 20 },
    ...simulatorOptions,
  });
  open.push(simulator);
  const calls: HetznerCall[] = [];
  const client = new HetznerClient({
    ...FAST_CLIENT,
    token: simulator.token,
    endpoint: simulator.url,
    observer: (call) => calls.push(call),
    ...clientOptions,
  });
  return { simulator, client, calls, provider: new HetznerVolumeProvider({ client, ...providerOptions }) };
}

export function useProviderCleanup(): void {
  afterEach(async () => {
    const simulators = open.splice(0);
    for (const simulator of simulators) await simulator.close();
    for (const simulator of simulators) expect(simulator.violations).toEqual([]);
  });
}
