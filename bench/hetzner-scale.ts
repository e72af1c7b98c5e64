import type { HetznerCall, HetznerClientOptions } from '@skillancer/hetzner-cloud';

/**
 * Time scale of the Hetzner benchmarks: action durations and the client's poll and retry timings
 * are a tenth of real ones, so request counts stay realistic while a run stays short. For example,
 * a 4 s create takes 400 ms, and polling starts at 100 ms and doubles up to 1 s instead of 10 s.
 */
export const SCALE = 0.1;

/** Simulated action durations in milliseconds, scaled. */
export const SCALED_DURATIONS = {
  create_volume: 4_000 * SCALE,
  attach_volume: 5_000 * SCALE,
  detach_volume: 4_000 * SCALE,
  resize_volume: 4_000 * SCALE,
  change_protection: 0,
};

/** The client's retry, poll and lock-retry timings, scaled like the actions. */
export const SCALED_CLIENT_TIMINGS: Omit<HetznerClientOptions, 'token'> = {
  retry: { baseMs: 1_000 * SCALE, capMs: 60_000 * SCALE },
  poll: {
    initialDelayMs: 1_000 * SCALE,
    baseMs: 1_000 * SCALE,
    capMs: 10_000 * SCALE,
    timeoutMs: 600_000 * SCALE,
  },
  lockedRetry: { baseMs: 1_000 * SCALE, capMs: 10_000 * SCALE, maxTries: 12 },
};

/** SkillPod nodes the simulator starts with. */
export const NODES = 8;

/** Hetzner's default budget of API requests per hour and token. */
export const HOURLY_LIMIT = 3_600;

export const isPoll = (call: HetznerCall): boolean => call.operation === 'get_actions';
