import { randomBytes, randomUUID } from 'node:crypto';
import { buildAuthApp, MemoryRateLimiter } from '@skillancer/auth-svc';
import { type HetznerCall, HetznerClient } from '@skillancer/hetzner-cloud';
import { createAccessTokenVerifier, ServiceMetrics } from '@skillancer/service-kit';
import { buildSkillpodApp, DEFAULT_TENANT_LABEL_KEY, type SkillpodApp } from '@skillancer/skillpod-svc';
import { createTestDatabase, type TestDatabase } from '@skillancer/testing/database';
import {
  type HetznerSimulator,
  SKILLPOD_NODE_LABEL,
  startHetznerSimulator,
} from '@skillancer/testing/hetzner';
import { HetznerVolumeProvider } from '@skillancer/volumes';
import { createLocalJWKSet, type JSONWebKeySet } from 'jose';
import { HOURLY_LIMIT, isPoll, NODES, SCALED_CLIENT_TIMINGS, SCALED_DURATIONS } from './hetzner-scale.js';
import type { BenchFigure, BenchResult } from './types.js';

// SkillPods created and deleted through skillpod-svc (HTTP inject, PGlite, Hetzner simulator), on the
// shortened time scale of hetzner-scale.ts.

const CONCURRENT_PODS = 100;
const ROUNDS = 3;
const ISSUER = 'skillancer-bench';

interface Setup {
  simulator: HetznerSimulator;
  db: TestDatabase;
  app: SkillpodApp;
  provider: HetznerVolumeProvider;
  calls: HetznerCall[];
  headers: { authorization: string };
  tenantId: string;
  close(): Promise<void>;
}

async function setup(): Promise<Setup> {
  const simulator = await startHetznerSimulator({
    durations: SCALED_DURATIONS,
    servers: Array.from({ length: NODES }, (_, index) => ({
      name: `skillpod-node-${index + 1}`,
      location: 'fsn1',
      labels: { [SKILLPOD_NODE_LABEL.key]: SKILLPOD_NODE_LABEL.value },
    })),
  });
  const db = await createTestDatabase('pglite');
  const auth = await buildAuthApp({
    db,
    masterKey: randomBytes(32),
    rateLimiter: new MemoryRateLimiter(),
    issuer: ISSUER,
    accessTokenTtlSeconds: 3600,
    refreshTokenTtlSeconds: 3600,
    logLevel: 'silent',
  });
  const registered = await auth.inject({
    method: 'POST',
    url: '/auth/register',
    payload: { email: 'bench@example.com', password: 'correct horse battery staple', displayName: 'Bench' },
  });
  const jwks = (await auth.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json() as JSONWebKeySet;
  await auth.close();

  const calls: HetznerCall[] = [];
  const client = new HetznerClient({
    ...SCALED_CLIENT_TIMINGS,
    token: simulator.token,
    endpoint: simulator.url,
    observer: (call) => calls.push(call),
  });
  const provider = new HetznerVolumeProvider({ client });
  const app = await buildSkillpodApp({
    db,
    verifyAccessToken: createAccessTokenVerifier({ keys: createLocalJWKSet(jwks), issuer: ISSUER }),
    volumes: provider,
    pods: { location: 'fsn1', defaultSizeGb: 10, reconcileOnStart: false, reconcileIntervalMs: 0 },
    logLevel: 'silent',
    metrics: new ServiceMetrics('skillpod-svc'),
  });
  await app.ready();

  return {
    simulator,
    db,
    app,
    provider,
    calls,
    headers: { authorization: `Bearer ${registered.json().accessToken as string}` },
    tenantId: registered.json().tenant.id as string,
    close: async () => {
      await app.close();
      await db.close();
      await simulator.close();
    },
  };
}

async function createThroughService(env: Setup): Promise<string> {
  const response = await env.app.inject({
    method: 'POST',
    url: '/pods',
    headers: { ...env.headers, 'idempotency-key': randomUUID() },
    payload: {},
  });
  if (response.statusCode !== 202) throw new Error(`POST /pods: ${response.statusCode} ${response.body}`);
  return response.json().id as string;
}

async function expectState(env: Setup, podId: string, state: string): Promise<void> {
  const pod = (await env.app.inject({ method: 'GET', url: `/pods/${podId}`, headers: env.headers })).json();
  if (pod.state !== state) throw new Error(`pod ${podId} is ${pod.state}, expected ${state}`);
}

/** API requests of one pod created and deleted through the service, beside the provider alone. */
async function measureSingle(figures: BenchFigure[]): Promise<void> {
  const env = await setup();
  try {
    let serviceCreate = 0;
    let serviceCreatePolls = 0;
    let serviceDelete = 0;
    let serviceDeletePolls = 0;
    let providerCreate = 0;
    let providerDelete = 0;
    for (let round = 0; round < ROUNDS; round += 1) {
      env.calls.length = 0;
      const podId = await createThroughService(env);
      await env.app.podLifecycle.runner.idle();
      await expectState(env, podId, 'ready');
      serviceCreate += env.calls.filter((call) => !isPoll(call)).length;
      serviceCreatePolls += env.calls.filter(isPoll).length;

      env.calls.length = 0;
      await env.app.inject({ method: 'DELETE', url: `/pods/${podId}`, headers: env.headers });
      await env.app.podLifecycle.runner.idle();
      await expectState(env, podId, 'deleted');
      serviceDelete += env.calls.filter((call) => !isPoll(call)).length;
      serviceDeletePolls += env.calls.filter(isPoll).length;

      env.calls.length = 0;
      const volume = await env.provider.create({
        podId: randomUUID(),
        sizeGb: 10,
        location: 'fsn1',
        labels: { [DEFAULT_TENANT_LABEL_KEY]: env.tenantId },
      });
      providerCreate += env.calls.filter((call) => !isPoll(call)).length;
      env.calls.length = 0;
      await env.provider.delete(volume.id);
      providerDelete += env.calls.filter((call) => !isPoll(call)).length;
    }

    // Poll counts vary from run to run with the jitter of the poll intervals, so the comparison with
    // the provider alone counts the other requests: the lookups, the create or delete, and the re-read.
    figures.push(
      {
        metric: 'service create: API requests per pod besides polling',
        value: serviceCreate / ROUNDS,
        unit: 'requests/pod',
        baseline: 'provider create alone',
        baselineValue: providerCreate / ROUNDS,
        ratio: serviceCreate / providerCreate,
        target: { op: '<=', value: 1 },
      },
      {
        metric: 'service create: poll requests per pod',
        value: serviceCreatePolls / ROUNDS,
        unit: 'requests/pod',
      },
      {
        metric: 'service delete: API requests per pod besides polling (adds the delete-protection check)',
        value: serviceDelete / ROUNDS,
        unit: 'requests/pod',
        baseline: 'provider delete alone',
        baselineValue: providerDelete / ROUNDS,
        ratio: serviceDelete / providerDelete,
        target: { op: '<=', value: 1.5 },
      },
      {
        metric: 'service delete: poll requests per pod',
        value: serviceDeletePolls / ROUNDS,
        unit: 'requests/pod',
      },
      {
        metric: 'service create and delete: all API requests per pod',
        value: (serviceCreate + serviceCreatePolls + serviceDelete + serviceDeletePolls) / ROUNDS,
        unit: 'requests/pod',
      },
    );
  } finally {
    await env.close();
  }
}

/** 100 pods requested at once: wall time until all are ready, beside the time the actions alone need. */
async function measureConcurrent(figures: BenchFigure[]): Promise<void> {
  const env = await setup();
  try {
    const started = performance.now();
    const ids = await Promise.all(Array.from({ length: CONCURRENT_PODS }, () => createThroughService(env)));
    await env.app.podLifecycle.runner.idle();
    const wallMs = performance.now() - started;

    const { rows } = await env.db.query<{ n: string }>(
      "SELECT count(*)::text AS n FROM pods WHERE state = 'ready'",
    );
    if (Number(rows[0]?.n) !== ids.length)
      throw new Error(`only ${rows[0]?.n} of ${ids.length} pods are ready`);

    // The simulator runs one action per server at a time, so the attaches of each server queue up.
    const perServer = new Map<number, number>();
    for (const volume of env.simulator.state.volumes.values()) {
      if (volume.serverId !== null) perServer.set(volume.serverId, (perServer.get(volume.serverId) ?? 0) + 1);
    }
    const busiest = Math.max(...perServer.values());
    const actionsAloneMs = SCALED_DURATIONS.create_volume + busiest * SCALED_DURATIONS.attach_volume;
    const polls = env.calls.filter(isPoll).length;

    figures.push(
      {
        metric: `polling share of the hourly rate limit, ${CONCURRENT_PODS} pods`,
        value: (polls / HOURLY_LIMIT) * 100,
        unit: '%',
        target: { op: '<=', value: 10 },
      },
      {
        metric: `all API requests for ${CONCURRENT_PODS} concurrent pods`,
        value: env.calls.length,
        unit: 'requests',
      },
      {
        metric: `wall time to create ${CONCURRENT_PODS} pods concurrently through the service`,
        value: Math.round(wallMs),
        unit: 'ms',
        baseline: `simulator actions alone (create + ${busiest} serialized attaches on the busiest server)`,
        baselineValue: actionsAloneMs,
        ratio: wallMs / actionsAloneMs,
        // Each attach ends a poll interval after its action finished, so some slack over 1 is expected.
        target: { op: '<=', value: 2 },
      },
    );
  } finally {
    await env.close();
  }
}

export default async function run(): Promise<BenchResult> {
  const figures: BenchFigure[] = [];
  await measureSingle(figures);
  await measureConcurrent(figures);
  return { name: 'pods', figures };
}
