import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { buildAuthApp, MemoryRateLimiter } from '@skillancer/auth-svc';
import type { Database } from '@skillancer/database';
import { HetznerClient, type HetznerClientOptions } from '@skillancer/hetzner-cloud';
import { type AccessTokenVerifier, createAccessTokenVerifier, ServiceMetrics } from '@skillancer/service-kit';
import {
  type HetznerSimulator,
  type HetznerSimulatorOptions,
  sharedOpenApiValidator,
  startHetznerSimulator,
} from '@skillancer/testing/hetzner';
import {
  HetznerVolumeProvider,
  type HetznerVolumeProviderOptions,
  type LocalNode,
  LocalVolumeProvider,
  type VolumeProvider,
} from '@skillancer/volumes';
import { createLocalJWKSet, type JSONWebKeySet } from 'jose';
import { buildSkillpodApp, type SkillpodApp } from '../src/app.js';
import { MemoryPodEventSink, type PodEventSink } from '../src/events/pod-events.js';
import type { PodLifecycleSettings } from '../src/pods/lifecycle.js';

const ISSUER = 'skillancer-auth-skillpod-test';

/** A registered user with a personal tenant and an access token. */
export interface TestUser {
  userId: string;
  tenantId: string;
  auth: { authorization: string };
}

/** auth-svc built in-process on the test database: it registers users and verifies their tokens. */
export interface TestIdentity {
  verifier: AccessTokenVerifier;
  register(): Promise<TestUser>;
  close(): Promise<void>;
}

/**
 * The master key of the test auth-svc. auth-svc wraps the database's audit MAC key with it at start,
 * so a test that appends audit events itself must use the same key.
 */
export const IDENTITY_MASTER_KEY_HEX = 'cd'.repeat(32);

export async function startIdentity(db: Database): Promise<TestIdentity> {
  const auth = await buildAuthApp({
    db,
    masterKey: Buffer.from(IDENTITY_MASTER_KEY_HEX, 'hex'),
    rateLimiter: new MemoryRateLimiter(),
    issuer: ISSUER,
    accessTokenTtlSeconds: 600,
    refreshTokenTtlSeconds: 3600,
    logLevel: 'silent',
  });
  await auth.ready();
  const jwks = (await auth.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json() as JSONWebKeySet;
  const verifier = createAccessTokenVerifier({ keys: createLocalJWKSet(jwks), issuer: ISSUER });
  let counter = 0;

  return {
    verifier,
    async register() {
      counter += 1;
      const response = await auth.inject({
        method: 'POST',
        url: '/auth/register',
        payload: {
          email: `pod-user-${counter}-${randomBytes(4).toString('hex')}@example.com`,
          password: 'correct horse battery staple',
          displayName: `Pod User ${counter}`,
        },
      });
      if (response.statusCode !== 201) {
        throw new Error(`registration failed: ${response.statusCode} ${response.body}`);
      }
      const body = response.json();
      return {
        userId: body.user.id as string,
        tenantId: body.tenant.id as string,
        auth: { authorization: `Bearer ${body.accessToken as string}` },
      };
    },
    close: () => auth.close(),
  };
}

/**
 * Lifecycle settings for tests: no timer, no reconciler run at start-up (the audit outbox still
 * drains once), short leases and retries, no orphan grace.
 */
export const TEST_SETTINGS: PodLifecycleSettings = {
  location: 'fsn1',
  defaultSizeGb: 10,
  reconcileOnStart: false,
  reconcileIntervalMs: 0,
  leaseMs: 2_000,
  retryBaseMs: 0,
  retryCapMs: 0,
  maxAttempts: 3,
  shutdownGraceMs: 0,
  orphanGraceMs: 0,
  auditOutboxIntervalMs: 0,
};

export interface TestApp {
  app: SkillpodApp;
  /** Receives the pod events, unless `buildTestApp` was given another sink. */
  events: MemoryPodEventSink;
  metrics: ServiceMetrics;
  /** Parsed JSON log lines at level info and above, when built with `captureLogs`. */
  logLines: Array<Record<string, unknown>>;
}

export async function buildTestApp(input: {
  db: Database;
  identity: TestIdentity;
  provider: VolumeProvider;
  settings?: Partial<PodLifecycleSettings>;
  captureLogs?: boolean;
  /** Sink of the pod events in place of the returned `events`. */
  sink?: PodEventSink;
}): Promise<TestApp> {
  const events = new MemoryPodEventSink();
  const metrics = new ServiceMetrics('skillpod-svc');
  const logLines: Array<Record<string, unknown>> = [];
  const logStream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() !== '') logLines.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  const app = await buildSkillpodApp({
    db: input.db,
    verifyAccessToken: input.identity.verifier,
    volumes: input.provider,
    pods: { ...TEST_SETTINGS, ...input.settings },
    events: input.sink ?? events,
    logLevel: input.captureLogs ? 'info' : 'silent',
    logStream,
    metrics,
  });
  await app.ready();
  return { app, events, metrics, logLines };
}

/** Creates a local provider in a fresh temporary directory, with two nodes in fsn1 by default. */
export async function localProvider(
  nodes: LocalNode[] = [
    { id: 'node-a', location: 'fsn1' },
    { id: 'node-b', location: 'fsn1' },
  ],
  volumesPerNode?: number,
): Promise<{ provider: LocalVolumeProvider; cleanup: () => Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), 'skillpod-volumes-'));
  const provider = new LocalVolumeProvider({
    root,
    nodes,
    ...(volumesPerNode === undefined ? {} : { volumesPerNode }),
  });
  return { provider, cleanup: () => rm(root, { recursive: true, force: true }) };
}

/** Client options with short delays, matching the simulator's short test actions. */
export const FAST_CLIENT: Omit<HetznerClientOptions, 'token'> = {
  timeoutMs: 2_000,
  retry: { baseMs: 5, capMs: 40 },
  poll: { initialDelayMs: 10, baseMs: 10, capMs: 50, timeoutMs: 5_000 },
  lockedRetry: { baseMs: 10, capMs: 50, maxTries: 30 },
};

export interface SimulatedHetzner {
  simulator: HetznerSimulator;
  client: HetznerClient;
  provider: HetznerVolumeProvider;
}

/** Starts a simulator that validates all traffic against the OpenAPI document, and a provider for it. */
export async function simulatedHetzner(
  options: HetznerSimulatorOptions = {},
  providerOptions: Partial<HetznerVolumeProviderOptions> = {},
): Promise<SimulatedHetzner> {
  const simulator = await startHetznerSimulator({ validator: sharedOpenApiValidator(), ...options });
  return { simulator, ...hetznerProviderFor(simulator, providerOptions) };
}

/** Builds a new client and provider for a running simulator, as a restarted replica would. */
export function hetznerProviderFor(
  simulator: HetznerSimulator,
  providerOptions: Partial<HetznerVolumeProviderOptions> = {},
  clientOptions: Partial<HetznerClientOptions> = {},
): { client: HetznerClient; provider: HetznerVolumeProvider } {
  const client = new HetznerClient({
    ...FAST_CLIENT,
    token: simulator.token,
    endpoint: simulator.url,
    ...clientOptions,
  });
  return { client, provider: new HetznerVolumeProvider({ client, ...providerOptions }) };
}

/** Sends a create request with a fresh (or the given) idempotency key. */
export function createPod(
  app: SkillpodApp,
  user: TestUser,
  body: Record<string, unknown> = {},
  key = `key-${randomBytes(8).toString('hex')}`,
) {
  return app.inject({
    method: 'POST',
    url: '/pods',
    headers: { ...user.auth, 'idempotency-key': key },
    payload: body,
  });
}

export function getPod(app: SkillpodApp, user: TestUser, podId: string) {
  return app.inject({ method: 'GET', url: `/pods/${podId}`, headers: user.auth });
}

export function podAction(app: SkillpodApp, user: TestUser, podId: string, body: Record<string, unknown>) {
  return app.inject({ method: 'POST', url: `/pods/${podId}/action`, headers: user.auth, payload: body });
}

export function deletePod(app: SkillpodApp, user: TestUser, podId: string) {
  return app.inject({ method: 'DELETE', url: `/pods/${podId}`, headers: user.auth });
}

/** Waits until no operation runs in the app, then returns the pod as the API shows it. */
export async function settledPod(app: SkillpodApp, user: TestUser, podId: string) {
  await app.podLifecycle.runner.idle();
  const response = await getPod(app, user, podId);
  if (response.statusCode !== 200)
    throw new Error(`GET /pods/${podId}: ${response.statusCode} ${response.body}`);
  return response.json();
}
