import { createTestDatabase, type TestDatabase } from '@skillancer/testing/database';
import {
  type HetznerSimulator,
  type HetznerSimulatorOptions,
  type ServerSeed,
  SKILLPOD_NODE_LABEL,
} from '@skillancer/testing/hetzner';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readPodRow } from './pod-rows.js';
import {
  buildTestApp,
  createPod,
  deletePod,
  podAction,
  settledPod,
  simulatedHetzner,
  startIdentity,
  type TestApp,
  type TestIdentity,
  type TestUser,
} from './support.js';

const NODE_LABELS = { [SKILLPOD_NODE_LABEL.key]: SKILLPOD_NODE_LABEL.value };

function node(name: string): ServerSeed {
  return { name, location: 'fsn1', labels: NODE_LABELS };
}

/** Fault scenarios of the Hetzner API, driven through the service against the simulator. */
describe('pod fault scenarios', () => {
  let db: TestDatabase;
  let identity: TestIdentity;
  let user: TestUser;
  let simulator: HetznerSimulator;
  let test: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase('pglite');
    identity = await startIdentity(db);
    user = await identity.register();
  });
  afterAll(async () => {
    await identity?.close();
    await db?.close();
  });
  afterEach(async () => {
    await test.app.close();
    await simulator.close();
    expect(simulator.violations).toEqual([]);
  });

  async function start(options: HetznerSimulatorOptions = {}): Promise<void> {
    const started = await simulatedHetzner(options);
    simulator = started.simulator;
    test = await buildTestApp({ db, identity, provider: started.provider });
  }

  function volumesOn(serverName: string): number {
    const server = [...simulator.state.servers.values()].find((candidate) => candidate.name === serverName);
    return server?.volumeIds.length ?? -1;
  }

  /** Fills a server with 16 attached volumes that belong to no pod of this service. */
  function fill(serverName: string): void {
    const server = [...simulator.state.servers.values()].find((candidate) => candidate.name === serverName);
    if (server === undefined) throw new Error(`no server ${serverName}`);
    for (let index = 0; index < 16; index += 1) {
      simulator.state.addVolume({
        name: `${serverName}-other-${index}`,
        location: 'fsn1',
        serverId: server.id,
      });
    }
  }

  it('creates two pods at once on one server despite a locked attach', async () => {
    await start({ servers: [node('only-node')] });
    simulator.faults.failActions({
      command: 'attach_volume',
      code: 'locked',
      message: 'cannot perform operation because server is locked',
    });

    const [first, second] = await Promise.all([createPod(test.app, user), createPod(test.app, user)]);
    const pods = [
      await settledPod(test.app, user, first.json().id),
      await settledPod(test.app, user, second.json().id),
    ];

    expect(pods.map((pod) => pod.state)).toEqual(['ready', 'ready']);
    expect(volumesOn('only-node')).toBe(2);
    expect(simulator.state.volumes.size).toBe(2);
    const attachRequests = simulator.requests.filter((request) => request.operation === 'attach_volume');
    expect(attachRequests.length).toBeGreaterThanOrEqual(1);
  });

  it('completes within a small rate limit', async () => {
    await start();
    simulator.setRateLimit({ limit: 12, refillPerSecond: 40 });

    const created = await Promise.all(Array.from({ length: 4 }, () => createPod(test.app, user)));
    const states = [];
    for (const response of created) states.push((await settledPod(test.app, user, response.json().id)).state);

    expect(states).toEqual(['ready', 'ready', 'ready', 'ready']);
    expect(simulator.state.volumes.size).toBe(4);
  });

  it('rides out a storm of 429 answers', async () => {
    await start();
    simulator.faults.error(undefined, 429, 'rate_limit_exceeded', 4);

    const { id } = (await createPod(test.app, user)).json();
    const pod = await settledPod(test.app, user, id);

    expect(pod.state).toBe('ready');
    expect(simulator.requests.filter((request) => request.status === 429)).toHaveLength(4);
    expect(simulator.state.volumes.size).toBe(1);
  });

  it('places the volume on another server when one is full', async () => {
    await start({ servers: [node('full-node'), node('free-node')] });
    fill('full-node');

    const { id } = (await createPod(test.app, user)).json();
    const pod = await settledPod(test.app, user, id);

    expect(pod.state).toBe('ready');
    expect(volumesOn('full-node')).toBe(16);
    expect(volumesOn('free-node')).toBe(1);
  });

  it('fails with no_capacity when every server is full', async () => {
    await start({ servers: [node('full-node')] });
    fill('full-node');

    const { id } = (await createPod(test.app, user)).json();
    const pod = await settledPod(test.app, user, id);

    expect(pod.state).toBe('failed');
    expect(pod.failure.code).toBe('no_capacity');
    expect(pod.failure.message).toMatch(/free volume slot/);
    expect(simulator.state.volumes.size).toBe(16);
    expect((await readPodRow(db, id)).volume_id).toBeNull();
    expect(test.events.actionsOf(id)).toEqual(['pod.created:success', 'pod.failed:failure']);
  });

  it('fails with quota_exceeded and leaves no volume behind', async () => {
    await start({ volumeQuota: 1 });
    const first = (await createPod(test.app, user)).json();
    await settledPod(test.app, user, first.id);

    const { id } = (await createPod(test.app, user)).json();
    const pod = await settledPod(test.app, user, id);

    expect(pod.state).toBe('failed');
    expect(pod.failure.code).toBe('quota_exceeded');
    expect(simulator.state.volumes.size).toBe(1);
    expect((await readPodRow(db, id)).volume_id).toBeNull();

    await deletePod(test.app, user, first.id);
    await settledPod(test.app, user, first.id);
    expect((await podAction(test.app, user, id, { action: 'start' })).statusCode).toBe(202);
    expect((await settledPod(test.app, user, id)).state).toBe('ready');
    expect(simulator.state.volumes.size).toBe(1);
  });

  it('keeps the volume of a failed attach for a retry', async () => {
    await start();
    simulator.faults.failActions({ command: 'attach_volume', message: 'Volume assigning step has failed' });

    const { id } = (await createPod(test.app, user)).json();
    const failed = await settledPod(test.app, user, id);

    expect(failed.state).toBe('failed');
    expect(failed.failure.code).toBe('attach_failed');
    const [kept] = [...simulator.state.volumes.values()];
    expect(kept?.serverId).toBeNull();
    expect((await readPodRow(db, id)).volume_id).toBe(String(kept?.id));

    const retry = await podAction(test.app, user, id, { action: 'start' });
    expect(retry.statusCode).toBe(202);
    expect(retry.json().state).toBe('provisioning');
    const ready = await settledPod(test.app, user, id);
    expect(ready.state).toBe('ready');
    expect(ready.failure).toBeNull();
    expect(simulator.state.volumes.size).toBe(1);
    expect((await readPodRow(db, id)).volume_id).toBe(String(kept?.id));
  });

  it('deletes the kept volume when the failed pod is deleted', async () => {
    await start();
    simulator.faults.failActions({ command: 'attach_volume' });
    const { id } = (await createPod(test.app, user)).json();
    await settledPod(test.app, user, id);
    expect(simulator.state.volumes.size).toBe(1);

    expect((await deletePod(test.app, user, id)).statusCode).toBe(202);

    expect((await settledPod(test.app, user, id)).state).toBe('deleted');
    expect(simulator.state.volumes.size).toBe(0);
  });

  it('finishes a resize whose answer was lost after the volume grew', async () => {
    await start();
    const { id } = (await createPod(test.app, user)).json();
    await settledPod(test.app, user, id);
    simulator.faults.inject({
      operation: 'resize_volume',
      effect: { kind: 'drop', when: 'after', mode: 'reset' },
    });

    await podAction(test.app, user, id, { action: 'resize', sizeGb: 40 });
    const postponed = await settledPod(test.app, user, id);
    expect(postponed.state).toBe('resizing');
    expect(postponed.operation.attempts).toBe(1);
    const [volume] = [...simulator.state.volumes.values()];
    while (volume?.size !== 40) await new Promise((resolve) => setTimeout(resolve, 10));

    const report = await test.app.podLifecycle.reconciler.runOnce();

    expect(report.operationsResumed).toBe(1);
    const pod = await settledPod(test.app, user, id);
    expect(pod.state).toBe('ready');
    expect(pod.sizeGb).toBe(40);
    expect(pod.failure).toBeNull();
    expect(simulator.requests.filter((request) => request.operation === 'resize_volume')).toHaveLength(1);
  });

  it('deletes a pod right after it stopped', async () => {
    await start();
    const { id } = (await createPod(test.app, user)).json();
    await settledPod(test.app, user, id);

    await podAction(test.app, user, id, { action: 'stop' });
    await settledPod(test.app, user, id);
    await deletePod(test.app, user, id);

    expect((await settledPod(test.app, user, id)).state).toBe('deleted');
    expect(simulator.state.volumes.size).toBe(0);
  });

  it('rejects an action while another runs', async () => {
    await start({ durations: { create_volume: 300, attach_volume: 300 } });
    const { id } = (await createPod(test.app, user)).json();

    const stop = await podAction(test.app, user, id, { action: 'stop' });
    const removal = await deletePod(test.app, user, id);

    expect(stop.statusCode).toBe(409);
    expect(stop.json().error.code).toBe('operation_in_progress');
    expect(removal.statusCode).toBe(409);
    expect(removal.json().error.code).toBe('operation_in_progress');
    expect((await settledPod(test.app, user, id)).state).toBe('ready');
  });
});
