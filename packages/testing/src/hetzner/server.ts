import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type ActionDurations, ActionEngine, DEFAULT_DURATIONS } from './action-engine.js';
import { ApiFault } from './errors.js';
import { FaultInjector } from './faults.js';
import { DEFAULT_SERVERS, type ServerSeed } from './fixtures.js';
import type { World } from './handlers/context.js';
import { readOnlyRoutes } from './handlers/read-only.js';
import { volumeActionRoutes } from './handlers/volume-actions.js';
import { volumeRoutes } from './handlers/volumes.js';
import type { OpenApiValidator } from './openapi-validator.js';
import { RateLimiter, type RateLimitOptions } from './rate-limit.js';
import { Router } from './router.js';
import { SimState } from './state.js';

export interface HetznerSimulatorOptions {
  /** Accepted API tokens (default `['test-token']`); each has its own rate-limit bucket. */
  tokens?: string[];
  /** Action durations in milliseconds (default 50 for volume actions, 0 for change_protection). */
  durations?: Partial<ActionDurations>;
  /** Rate limit per token (default 3600 with a refill of 1 per second, as the API). */
  rateLimit?: RateLimitOptions;
  /** Maximum number of volumes in the project; more answers `resource_limit_exceeded`. Default unlimited. */
  volumeQuota?: number;
  /** Volumes one server can have attached (default 16). */
  volumesPerServer?: number;
  /** Servers to create at start (default: four SkillPod nodes and one other server). */
  servers?: readonly ServerSeed[];
  /** Checks every request and response against the OpenAPI document; problems go to `violations`. */
  validator?: OpenApiValidator;
  /** Port on 127.0.0.1; 0 (the default) picks a free one. */
  port?: number;
}

export interface RequestRecord {
  /** OpenAPI operation id, or null when the path matched no operation. */
  operation: string | null;
  method: string;
  path: string;
  query: string;
  status: number;
  at: number;
}

export interface HetznerSimulator {
  /** API base URL including `/v1`, for example `http://127.0.0.1:40123/v1`. */
  readonly url: string;
  /** The first accepted token. */
  readonly token: string;
  readonly state: SimState;
  readonly faults: FaultInjector;
  /** Every request handled so far, in arrival order. */
  readonly requests: RequestRecord[];
  /** OpenAPI problems found in requests and responses (only with a validator). */
  readonly violations: string[];
  /** Replaces the rate limit and refills every bucket. */
  setRateLimit(options: RateLimitOptions): void;
  addServer(seed: ServerSeed): ReturnType<SimState['addServer']>;
  close(): Promise<void>;
}

/** Starts a stateful Hetzner Cloud API simulator for volumes, actions, servers and locations on 127.0.0.1. */
export async function startHetznerSimulator(
  options: HetznerSimulatorOptions = {},
): Promise<HetznerSimulator> {
  const tokens = new Set(options.tokens ?? ['test-token']);
  const state = new SimState();
  const faults = new FaultInjector();
  const engine = new ActionEngine(state, faults, { ...DEFAULT_DURATIONS, ...options.durations });
  const limiter = new RateLimiter(options.rateLimit ?? { limit: 3600, refillPerSecond: 1 });
  const world: World = {
    state,
    engine,
    limits: {
      volumesPerServer: options.volumesPerServer ?? 16,
      volumeQuota: options.volumeQuota ?? Number.POSITIVE_INFINITY,
    },
  };
  for (const seed of options.servers ?? DEFAULT_SERVERS) state.addServer(seed);
  const router = new Router([...volumeRoutes(world), ...volumeActionRoutes(world), ...readOnlyRoutes(world)]);
  const requests: RequestRecord[] = [];
  const violations: string[] = [];
  const sockets = new Set<Socket>();

  const server = createServer((request, response) => {
    void handle(request, response).catch((error: unknown) => {
      violations.push(`simulator failure: ${error instanceof Error ? error.stack : String(error)}`);
      if (!response.headersSent) response.writeHead(500).end();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const text = await readBody(request);
    const url = new URL(request.url ?? '/', `http://${request.headers.host ?? '127.0.0.1'}`);
    const method = request.method ?? 'GET';
    const path = url.pathname.replace(/^\/v1/, '');
    const match = router.match(method, path);
    const operation = match !== null && match !== 'method_not_allowed' ? match.route.operation : null;
    const record: RequestRecord = { operation, method, path, query: url.search, status: 0, at: Date.now() };
    requests.push(record);

    const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    const verdict = limiter.take(token !== undefined && tokens.has(token) ? token : 'anonymous');
    const headers: Record<string, string> = { 'X-Correlation-Id': randomUUID(), ...verdict.headers };
    const send = (status: number, body?: unknown, extra: Record<string, string> = {}): void => {
      const payload = body === undefined ? '' : JSON.stringify(body);
      record.status = status;
      if (operation !== null && options.validator)
        violations.push(...options.validator.validateResponse({ operation, status, body: payload }));
      response.writeHead(status, {
        ...headers,
        ...extra,
        ...(payload === '' ? {} : { 'Content-Type': 'application/json' }),
      });
      response.end(payload);
    };
    const fail = (fault: ApiFault): void => send(fault.status, fault.toBody());

    if (!verdict.allowed) {
      return fail(
        new ApiFault(
          'rate_limit_exceeded',
          `limit of ${headers['RateLimit-Limit']} requests per hour reached`,
        ),
      );
    }
    if (token === undefined || !tokens.has(token))
      return fail(new ApiFault('unauthorized', 'unable to authenticate'));
    if (match === null) return fail(new ApiFault('not_found', `no route for ${method} ${path}`));
    if (match === 'method_not_allowed')
      return fail(new ApiFault('method_not_allowed', `${method} is not allowed on ${path}`));
    if (options.validator) {
      violations.push(
        ...options.validator.validateRequest({
          operation: match.route.operation,
          query: url.searchParams,
          pathParams: match.params,
          body: text,
        }),
      );
    }

    let body: unknown;
    if (text.trim() !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        return fail(new ApiFault('json_error', 'request body is not valid JSON'));
      }
    }

    const fault = faults.take(match.route.operation);
    if (fault?.kind === 'error')
      return fail(new ApiFault(fault.code, fault.message ?? `injected ${fault.code}`, null, fault.status));
    if (fault?.kind === 'delay') await new Promise((resolve) => setTimeout(resolve, fault.ms));
    if (fault?.kind === 'drop' && fault.when === 'before') return drop(request, fault.mode, record);

    let result: ReturnType<typeof match.route.handle>;
    try {
      result = match.route.handle({ url, query: url.searchParams, params: match.params, body });
    } catch (error) {
      if (error instanceof ApiFault) return fail(error);
      throw error;
    }
    if (fault?.kind === 'drop') return drop(request, fault.mode, record);
    send(result.status, result.body, result.headers);
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const [firstToken = 'test-token'] = tokens;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    token: firstToken,
    state,
    faults,
    requests,
    violations,
    setRateLimit: (rateLimit) => limiter.configure(rateLimit),
    addServer: (seed) => state.addServer(seed),
    close: async () => {
      engine.stop();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function drop(request: IncomingMessage, mode: 'reset' | 'hang', record: RequestRecord): void {
  record.status = -1;
  if (mode === 'reset') request.socket.destroy();
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
