import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HetznerVolumeProvider, isVolumeError, type VolumeError } from '../src/index.js';
import { startProvider, useProviderCleanup } from './hetzner-harness.js';

useProviderCleanup();

const NODE = { 'skillancer.io/role': 'skillpod-node' };

async function rejection(promise: Promise<unknown>): Promise<VolumeError> {
  const error = await promise.then(
    () => new Error('expected a rejection'),
    (caught: unknown) => caught,
  );
  expect(isVolumeError(error), String(error)).toBe(true);
  return error as VolumeError;
}

function mutations(operations: string[]): string[] {
  return operations.filter((operation) => !operation.startsWith('get_') && !operation.startsWith('list_'));
}

describe('Hetzner provider fault scenarios', () => {
  it('creates two volumes on one server at once', async () => {
    const { provider, simulator, calls } = await startProvider({
      servers: [{ name: 'only-node', location: 'fsn1', labels: NODE }],
      // The attach runs long enough that the second create finishes while the first attach still locks the server.
      durations: { create_volume: 30, attach_volume: 200 },
    });
    const [a, b] = await Promise.all([
      provider.create({ podId: randomUUID(), sizeGb: 10, location: 'fsn1' }),
      provider.create({ podId: randomUUID(), sizeGb: 10, location: 'fsn1' }),
    ]);
    expect(a?.serverId).toBe(b?.serverId);
    expect(a?.serverId).not.toBeNull();
    const failedAttaches = [...simulator.state.actions.values()].filter(
      (action) => action.command === 'attach_volume' && action.error?.code === 'locked',
    );
    expect(failedAttaches).toHaveLength(1);
    expect(calls.filter((call) => call.operation === 'attach_volume' && call.outcome === 'ok')).toHaveLength(
      1,
    );
  });

  it('waits out a 429 storm and completes within the limit', async () => {
    const { provider, simulator, calls } = await startProvider({
      rateLimit: { limit: 10, refillPerSecond: 25 },
    });
    const volumes = await Promise.all(
      Array.from({ length: 8 }, () => provider.create({ podId: randomUUID(), sizeGb: 10, location: 'fsn1' })),
    );
    expect(volumes.every((volume) => volume.serverId !== null)).toBe(true);
    const limited = simulator.requests.filter((request) => request.status === 429).length;
    expect(limited).toBeLessThanOrEqual(2);
    expect(
      calls.filter((call) => call.outcome === 'error' && call.errorCode !== 'rate_limit_exceeded'),
    ).toEqual([]);
  });

  it('places a 17th volume on another server, then reports no_capacity', async () => {
    const { provider, simulator } = await startProvider({
      servers: [
        { name: 'node-a', location: 'fsn1', labels: NODE },
        { name: 'node-b', location: 'fsn1', labels: NODE },
      ],
    });
    const [nodeA, nodeB] = [...simulator.state.servers.values()];
    for (let index = 0; index < 16; index += 1) {
      simulator.state.addVolume({ name: `a-${index}`, location: 'fsn1', serverId: nodeA?.id as number });
    }
    const seventeenth = await provider.create({ podId: randomUUID(), sizeGb: 10, location: 'fsn1' });
    expect(seventeenth.serverId).toBe(String(nodeB?.id));
    for (let index = 0; index < 15; index += 1) {
      simulator.state.addVolume({ name: `b-${index}`, location: 'fsn1', serverId: nodeB?.id as number });
    }
    const podId = randomUUID();
    const error = await rejection(provider.create({ podId, sizeGb: 10, location: 'fsn1' }));
    expect(error.code).toBe('no_capacity');
    expect(error.message).toContain('fsn1');
    expect(await provider.findByPod(podId)).toBeNull();
  });

  it('moves on when another replica took the last slot', async () => {
    const { provider, client, simulator } = await startProvider({
      servers: [
        { name: 'node-a', location: 'fsn1', labels: NODE },
        { name: 'node-b', location: 'fsn1', labels: NODE },
      ],
    });
    const [nodeA, nodeB] = [...simulator.state.servers.values()];
    for (let index = 0; index < 15; index += 1) {
      simulator.state.addVolume({ name: `a-${index}`, location: 'fsn1', serverId: nodeA?.id as number });
      simulator.state.addVolume({ name: `b-${index}`, location: 'fsn1', serverId: nodeB?.id as number });
    }
    // A second provider instance shares no reservations, like a second replica, so both pick node-a.
    const replica = new HetznerVolumeProvider({ client });
    const volumes = await Promise.all([
      provider.create({ podId: randomUUID(), sizeGb: 10, location: 'fsn1' }),
      replica.create({ podId: randomUUID(), sizeGb: 10, location: 'fsn1' }),
    ]);
    expect(volumes.map((volume) => volume.serverId).sort()).toEqual(
      [String(nodeA?.id), String(nodeB?.id)].sort(),
    );
    const rejected = simulator.requests.filter(
      (request) => request.operation === 'create_volume' && request.status === 422,
    );
    expect(rejected).toHaveLength(1);
  });

  it('retries a resize that timed out after the volume already grew', async () => {
    const { provider, simulator } = await startProvider({}, {}, { timeoutMs: 150, retry: { maxRetries: 0 } });
    const volume = await provider.create({ podId: randomUUID(), sizeGb: 10, location: 'fsn1' });
    simulator.faults.inject({ operation: 'resize_volume', effect: { kind: 'delay', ms: 300 } });
    expect((await rejection(provider.resize(volume.id, 30))).code).toBe('timeout');
    await new Promise((resolve) => setTimeout(resolve, 400));
    const resized = await provider.resize(volume.id, 30);
    expect(resized.sizeGb).toBe(30);
    const resizeRequests = simulator.requests.filter((request) => request.operation === 'resize_volume');
    expect(resizeRequests).toHaveLength(1);
  });

  it('accepts a resize whose lost answer was retried by the transport', async () => {
    const { provider, simulator } = await startProvider(
      { durations: { resize_volume: 20 } },
      {},
      { timeoutMs: 150, retry: { maxRetries: 3, baseMs: 200, capMs: 200 } },
    );
    const volume = await provider.create({ podId: randomUUID(), sizeGb: 10, location: 'fsn1' });
    simulator.faults.inject({ operation: 'resize_volume', effect: { kind: 'delay', ms: 250 } });
    expect((await provider.resize(volume.id, 40)).sizeGb).toBe(40);
  });

  it('rejects a smaller or invalid size without any change request', async () => {
    const { provider, calls } = await startProvider();
    const volume = await provider.create({ podId: randomUUID(), sizeGb: 20, location: 'fsn1' });
    calls.length = 0;
    expect((await rejection(provider.resize(volume.id, 10241))).code).toBe('invalid_size');
    expect(calls).toEqual([]);
    const smaller = await rejection(provider.resize(volume.id, 15));
    expect(smaller.code).toBe('invalid_size');
    expect(smaller.message).toContain('cannot shrink');
    expect(mutations(calls.map((call) => call.operation))).toEqual([]);
  });

  it('deletes a volume right after detaching it', async () => {
    const { provider, simulator } = await startProvider();
    const volume = await provider.create({ podId: randomUUID(), sizeGb: 10, location: 'fsn1' });
    await provider.detach(volume.id);
    await provider.delete(volume.id);
    expect(simulator.state.volumes.size).toBe(0);
  });

  it('lists all 354 managed volumes', async () => {
    const { provider, simulator } = await startProvider();
    for (let index = 0; index < 354; index += 1) {
      simulator.state.addVolume({
        name: `pod-${index}`,
        location: 'fsn1',
        labels: { 'skillancer.io/managed-by': 'skillpod', 'skillancer.io/pod': `p${index}` },
      });
    }
    simulator.state.addVolume({ name: 'unrelated', location: 'fsn1' });
    const volumes = await provider.list({ 'skillancer.io/managed-by': 'skillpod' });
    expect(volumes).toHaveLength(354);
  });

  it('rejects a label value the API would reject before sending', async () => {
    const { provider, calls } = await startProvider();
    const error = await rejection(
      provider.create({ podId: randomUUID(), sizeGb: 10, location: 'fsn1', labels: { tenant: 'Acme Corp' } }),
    );
    expect(error.code).toBe('invalid_request');
    expect(error.message).toContain("label 'tenant'");
    expect(calls).toEqual([]);
  });

  it('reports quota_exceeded and leaves nothing half-made', async () => {
    const { provider, simulator } = await startProvider({ volumeQuota: 1 });
    await provider.create({ podId: randomUUID(), sizeGb: 10, location: 'fsn1' });
    const podId = randomUUID();
    const error = await rejection(provider.create({ podId, sizeGb: 10, location: 'fsn1' }));
    expect(error.code).toBe('quota_exceeded');
    expect(error.message).toContain('resource_limit_exceeded');
    expect(simulator.state.volumes.size).toBe(1);
    expect([...simulator.state.actions.values()].filter((action) => action.status === 'running')).toEqual([]);
  });

  it('keeps the volume after a failed attach', async () => {
    const { provider, simulator } = await startProvider();
    simulator.faults.failActions({
      command: 'attach_volume',
      message: 'Volume assigning step has failed due to an unknown error',
    });
    const podId = randomUUID();
    const error = await rejection(provider.create({ podId, sizeGb: 10, location: 'fsn1' }));
    expect(error.code).toBe('attach_failed');
    expect(error.message).toContain('kept detached');
    const kept = await provider.get(error.volumeId as string);
    expect(kept?.serverId).toBeNull();
    const retried = await provider.create({ podId, sizeGb: 10, location: 'fsn1' });
    expect(retried.id).toBe(kept?.id);
    expect(retried.serverId).not.toBeNull();
  });

  it('deletes the volume after a failed attach when configured to', async () => {
    const { provider, simulator } = await startProvider({}, { onAttachFailure: 'delete' });
    simulator.faults.failActions({ command: 'attach_volume' });
    const error = await rejection(provider.create({ podId: randomUUID(), sizeGb: 10, location: 'fsn1' }));
    expect(error.code).toBe('attach_failed');
    expect(simulator.state.volumes.size).toBe(0);
  });

  it('reports delete protection clearly', async () => {
    const { provider } = await startProvider();
    const volume = await provider.create({ podId: randomUUID(), sizeGb: 10, location: 'fsn1' });
    await provider.setProtection(volume.id, true);
    const error = await rejection(provider.delete(volume.id));
    expect(error.code).toBe('protected');
    expect(error.message).toContain('delete protection');
    expect((await provider.get(volume.id))?.serverId).not.toBeNull();
  });
});
