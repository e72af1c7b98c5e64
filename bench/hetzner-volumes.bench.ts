import { randomUUID } from 'node:crypto';
import { type HetznerCall, HetznerClient } from '@skillancer/hetzner-cloud';
import {
  type HetznerSimulator,
  SKILLPOD_NODE_LABEL,
  startHetznerSimulator,
} from '@skillancer/testing/hetzner';
import { HetznerVolumeProvider } from '@skillancer/volumes';
import { HOURLY_LIMIT, isPoll, NODES, SCALED_CLIENT_TIMINGS, SCALED_DURATIONS } from './hetzner-scale.js';
import type { BenchFigure, BenchResult } from './types.js';

// Volume lifecycle cost against the Hetzner simulator, on the shortened time scale of hetzner-scale.ts.

const CONCURRENT_VOLUMES = 100;
const VOLUMES_PER_SERVER = 16;

function count(calls: readonly HetznerCall[], predicate: (call: HetznerCall) => boolean): number {
  return calls.filter(predicate).length;
}

async function setup(): Promise<{
  simulator: HetznerSimulator;
  client: HetznerClient;
  provider: HetznerVolumeProvider;
  calls: HetznerCall[];
}> {
  const simulator = await startHetznerSimulator({
    durations: SCALED_DURATIONS,
    servers: Array.from({ length: NODES }, (_, index) => ({
      name: `skillpod-node-${index + 1}`,
      location: 'fsn1',
      labels: { [SKILLPOD_NODE_LABEL.key]: SKILLPOD_NODE_LABEL.value },
    })),
  });
  const calls: HetznerCall[] = [];
  const client = new HetznerClient({
    ...SCALED_CLIENT_TIMINGS,
    token: simulator.token,
    endpoint: simulator.url,
    observer: (call) => calls.push(call),
  });
  return { simulator, client, calls, provider: new HetznerVolumeProvider({ client }) };
}

/** Requests of one create and one delete at a time, through the client's operations and through the provider. */
async function measureSingle(figures: BenchFigure[]): Promise<void> {
  const { simulator, client, provider, calls } = await setup();
  try {
    const [server] = await client.servers.all({
      labelSelector: { [SKILLPOD_NODE_LABEL.key]: SKILLPOD_NODE_LABEL.value },
    });
    const rounds = 3;
    let createOther = 0;
    let createPolls = 0;
    let deleteOther = 0;
    let deletePolls = 0;
    for (let round = 0; round < rounds; round += 1) {
      calls.length = 0;
      const volume = await client.volumeOperations.create({
        name: `single-${round}`,
        size: 10,
        server: server?.id as number,
      });
      createPolls += count(calls, isPoll);
      createOther += count(calls, (call) => !isPoll(call));
      calls.length = 0;
      await client.volumeOperations.delete(volume.id);
      deletePolls += count(calls, isPoll);
      deleteOther += count(calls, (call) => !isPoll(call));
    }
    calls.length = 0;
    for (let round = 0; round < rounds; round += 1) {
      await provider.create({ podId: randomUUID(), sizeGb: 10, location: 'fsn1' });
    }
    const providerCreate = calls.length / rounds;

    figures.push(
      {
        metric: 'create with server: requests besides polling (create + re-read)',
        value: createOther / rounds,
        unit: 'requests/volume',
        target: { op: '<=', value: 2 },
      },
      { metric: 'create with server: poll requests', value: createPolls / rounds, unit: 'requests/volume' },
      {
        metric: 'delete of an attached volume: requests besides polling (read + detach + delete)',
        value: deleteOther / rounds,
        unit: 'requests/volume',
        target: { op: '<=', value: 3 },
      },
      {
        metric: 'delete of an attached volume: poll requests',
        value: deletePolls / rounds,
        unit: 'requests/volume',
      },
      {
        metric: 'provider create: all requests (adds the pod lookup and the server listing)',
        value: providerCreate,
        unit: 'requests/volume',
      },
    );
  } finally {
    await simulator.close();
  }
}

/** 100 pod volumes created at once: polling cost and wall time beside the time the actions need. */
async function measureConcurrent(figures: BenchFigure[]): Promise<void> {
  const { simulator, provider, calls } = await setup();
  try {
    const started = performance.now();
    const volumes = await Promise.all(
      Array.from({ length: CONCURRENT_VOLUMES }, () =>
        provider.create({ podId: randomUUID(), sizeGb: 10, location: 'fsn1' }),
      ),
    );
    const wallMs = performance.now() - started;
    if (volumes.some((volume) => volume.serverId === null))
      throw new Error('a created volume is not attached');

    // The simulator runs one action per server at a time, so the attaches of each server queue up.
    const perServer = new Map<string, number>();
    for (const volume of volumes)
      perServer.set(volume.serverId as string, (perServer.get(volume.serverId as string) ?? 0) + 1);
    const busiest = Math.max(...perServer.values());
    const actionsAloneMs = SCALED_DURATIONS.create_volume + busiest * SCALED_DURATIONS.attach_volume;
    const polls = count(calls, isPoll);
    const locked = count(calls, (call) => call.errorCode === 'locked');

    figures.push(
      {
        metric: `polling share of the hourly rate limit, ${CONCURRENT_VOLUMES} volumes`,
        value: (polls / HOURLY_LIMIT) * 100,
        unit: '%',
        target: { op: '<=', value: 10 },
      },
      {
        metric: `all requests for ${CONCURRENT_VOLUMES} concurrent creates`,
        value: calls.length,
        unit: 'requests',
      },
      { metric: 'locked answers retried', value: locked, unit: 'requests' },
      {
        metric: `wall time to create ${CONCURRENT_VOLUMES} volumes concurrently`,
        value: Math.round(wallMs),
        unit: 'ms',
        baseline: `simulator actions alone (create + ${busiest} serialized attaches on the busiest server)`,
        baselineValue: actionsAloneMs,
        ratio: wallMs / actionsAloneMs,
        // Each attach ends a poll interval after the action finished, so some slack over 1 is expected.
        target: { op: '<=', value: 2 },
      },
    );
    if (simulator.state.volumes.size !== CONCURRENT_VOLUMES)
      throw new Error('the simulator contains an unexpected number of volumes after the benchmark run');
    if (busiest > VOLUMES_PER_SERVER) throw new Error('a server got more than 16 volumes');
  } finally {
    await simulator.close();
  }
}

export default async function run(): Promise<BenchResult> {
  const figures: BenchFigure[] = [];
  await measureSingle(figures);
  await measureConcurrent(figures);
  return { name: 'hetzner-volumes', figures };
}
