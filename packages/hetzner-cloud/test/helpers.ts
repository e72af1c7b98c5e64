import {
  type HetznerSimulator,
  type HetznerSimulatorOptions,
  sharedOpenApiValidator,
  startHetznerSimulator,
} from '@skillancer/testing/hetzner';
import { afterEach, expect } from 'vitest';
import { type HetznerCall, HetznerClient, type HetznerClientOptions } from '../src/index.js';

/** Client options with short delays, matching the simulator's short test actions. */
export const FAST: Omit<HetznerClientOptions, 'token'> = {
  timeoutMs: 2_000,
  retry: { baseMs: 5, capMs: 40 },
  poll: { initialDelayMs: 15, baseMs: 15, capMs: 60, timeoutMs: 5_000 },
  lockedRetry: { baseMs: 10, capMs: 60, maxTries: 30 },
};

export interface Harness {
  simulator: HetznerSimulator;
  client: HetznerClient;
  calls: HetznerCall[];
}

const open: HetznerSimulator[] = [];

/** Starts a simulator that checks all traffic against the OpenAPI document, and a client for it. */
export async function startHarness(
  simulatorOptions: HetznerSimulatorOptions = {},
  clientOptions: Partial<HetznerClientOptions> = {},
): Promise<Harness> {
  const simulator = await startHetznerSimulator({ validator: sharedOpenApiValidator(), ...simulatorOptions });
  open.push(simulator);
  const calls: HetznerCall[] = [];
  const client = new HetznerClient({
    ...FAST,
    token: simulator.token,
    endpoint: simulator.url,
    observer: (call) => calls.push(call),
    ...clientOptions,
  });
  return { simulator, client, calls };
}

/** Registers an afterEach that fails on OpenAPI violations and closes the simulators. */
export function useHarnessCleanup(): void {
  afterEach(async () => {
    const simulators = open.splice(0);
    for (const simulator of simulators) await simulator.close();
    for (const simulator of simulators) expect(simulator.violations).toEqual([]);
  });
}

/** Counts the observed requests per operation id. */
export function countByOperation(calls: readonly HetznerCall[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const call of calls) counts[call.operation] = (counts[call.operation] ?? 0) + 1;
  return counts;
}
