import { ActionWaiter, type PollOptions } from './action-waiter.js';
import { invalidInput } from './errors.js';
import type { LockedRetryOptions } from './operations/locked-retry.js';
import { VolumeOperations } from './operations/volume-operations.js';
import { ActionsResource } from './resources/actions.js';
import { LocationsResource } from './resources/locations.js';
import { ServersResource } from './resources/servers.js';
import { VolumesResource } from './resources/volumes.js';
import {
  createTransport,
  type HetznerObserver,
  type RetryOptions,
  type Transport,
} from './transport/index.js';
import type { RateLimitState } from './types.js';

export const DEFAULT_ENDPOINT = 'https://api.hetzner.cloud/v1';

export interface HetznerClientOptions {
  /** API token of the project. It is sent only in the Authorization header and never appears in errors. */
  token: string;
  /** API base URL; defaults to Hetzner's public endpoint. */
  endpoint?: string;
  /** Time limit of one HTTP request in milliseconds (default 15000). */
  timeoutMs?: number;
  /** Transport retries of `conflict`, `rate_limit_exceeded`, `bad_gateway`, `timeout` and request timeouts (default 5 retries, 1 s doubling to 60 s, jittered). */
  retry?: Partial<RetryOptions>;
  /** Action polling (default: first poll after 1 s, then 1 s doubling to 10 s, jittered; give up after 10 min). */
  poll?: Partial<PollOptions>;
  /** Operation-level retries of `locked` (default 8 tries, 1 s doubling to 10 s, jittered). */
  lockedRetry?: Partial<LockedRetryOptions>;
  /** Wait for the rate-limit budget before sending (default true). */
  pace?: boolean;
  /** Called once per HTTP request with the OpenAPI operation id, duration and outcome. */
  observer?: HetznerObserver;
  fetch?: typeof globalThis.fetch;
  userAgent?: string;
}

const TOKEN = /^[\x21-\x7e]+$/;

/** Client of the Hetzner Cloud API for volumes, actions, servers and locations. */
export class HetznerClient {
  readonly volumes: VolumesResource;
  readonly actions: ActionsResource;
  readonly servers: ServersResource;
  readonly locations: LocationsResource;
  /** Shared action poller; all waits of this client are polled together. */
  readonly waiter: ActionWaiter;
  /** Waiting, re-reading, idempotent volume operations. */
  readonly volumeOperations: VolumeOperations;
  readonly #transport: Transport;

  constructor(options: HetznerClientOptions) {
    // The token itself is never put into the message.
    if (typeof options.token !== 'string' || !TOKEN.test(options.token)) {
      throw invalidInput('token', 'the API token is empty or contains spaces or control characters');
    }
    this.#transport = createTransport({
      endpoint: options.endpoint ?? DEFAULT_ENDPOINT,
      token: options.token,
      timeoutMs: options.timeoutMs ?? 15_000,
      userAgent: options.userAgent ?? 'skillancer-hetzner-cloud/0.1',
      fetch: options.fetch ?? globalThis.fetch,
      pace: options.pace ?? true,
      retry: { maxRetries: 5, baseMs: 1_000, factor: 2, capMs: 60_000, jitter: true, ...options.retry },
      ...(options.observer === undefined ? {} : { observer: options.observer }),
    });
    this.volumes = new VolumesResource(this.#transport);
    this.actions = new ActionsResource(this.#transport);
    this.servers = new ServersResource(this.#transport);
    this.locations = new LocationsResource(this.#transport);
    this.waiter = new ActionWaiter((ids) => this.actions.getMany(ids), {
      initialDelayMs: 1_000,
      baseMs: 1_000,
      factor: 2,
      capMs: 10_000,
      jitter: true,
      timeoutMs: 600_000,
      ...options.poll,
    });
    this.volumeOperations = new VolumeOperations({
      volumes: this.volumes,
      servers: this.servers,
      waiter: this.waiter,
      lockedRetry: {
        maxTries: 8,
        baseMs: 1_000,
        factor: 2,
        capMs: 10_000,
        jitter: true,
        ...options.lockedRetry,
      },
    });
  }

  /** Rate-limit state from the latest response, or null before the first response. */
  get rateLimit(): RateLimitState | null {
    return this.#transport.pacer.state;
  }
}
