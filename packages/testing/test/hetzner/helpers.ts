import { afterEach, expect } from 'vitest';
import {
  type HetznerSimulator,
  type HetznerSimulatorOptions,
  sharedOpenApiValidator,
  startHetznerSimulator,
} from '../../src/hetzner/index.js';

const open: HetznerSimulator[] = [];

/** Starts a simulator that validates its traffic; the afterEach below closes it and checks the violations. */
export async function simulator(options: HetznerSimulatorOptions = {}): Promise<HetznerSimulator> {
  const started = await startHetznerSimulator({ validator: sharedOpenApiValidator(), ...options });
  open.push(started);
  return started;
}

export function useSimulatorCleanup(options: { allowViolations?: boolean } = {}): void {
  afterEach(async () => {
    const simulators = open.splice(0);
    for (const started of simulators) await started.close();
    if (!options.allowViolations) for (const started of simulators) expect(started.violations).toEqual([]);
  });
}

export interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown> & { error?: { code: string; message: string; details: unknown } };
}

/** Sends one API request with the simulator's token. */
export async function call(
  sim: HetznerSimulator,
  method: string,
  path: string,
  body?: unknown,
  token = sim.token,
): Promise<Answer> {
  const response = await fetch(`${sim.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text === '' ? {} : JSON.parse(text) };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls an action until it is no longer running. */
export async function settle(sim: HetznerSimulator, actionId: number): Promise<Record<string, unknown>> {
  for (;;) {
    const { body } = await call(sim, 'GET', `/actions/${actionId}`);
    const action = body.action as Record<string, unknown>;
    if (action.status !== 'running') return action;
    await sleep(10);
  }
}
