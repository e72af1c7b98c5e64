import { SKILLPOD_NODE_LABEL } from '@skillancer/testing/hetzner';
import { describe, expect, it } from 'vitest';
import type { HetznerClient } from '../src/index.js';
import { countByOperation, startHarness, useHarnessCleanup } from './helpers.js';

useHarnessCleanup();

async function nodeIds(client: HetznerClient): Promise<number[]> {
  const nodes = await client.servers.all({
    labelSelector: { [SKILLPOD_NODE_LABEL.key]: SKILLPOD_NODE_LABEL.value },
    sort: ['id'],
  });
  return nodes.map((node) => node.id);
}

describe('VolumeOperations.create', () => {
  it('waits for create and attach and re-reads the volume', async () => {
    const { client, calls } = await startHarness({ durations: { create_volume: 60, attach_volume: 60 } });
    const [server] = await nodeIds(client);
    calls.length = 0;
    const volume = await client.volumeOperations.create({
      name: 'pod-1',
      size: 10,
      server: server as number,
      labels: { pod: '1' },
    });
    expect(volume).toMatchObject({ status: 'available', serverId: server, size: 10, labels: { pod: '1' } });
    const counts = countByOperation(calls);
    expect(counts.create_volume).toBe(1);
    expect(counts.get_volume).toBe(1);
    expect(Object.keys(counts).sort()).toEqual(['create_volume', 'get_actions', 'get_volume']);
  });

  it('adopts a compatible volume on uniqueness_error', async () => {
    const { client } = await startHarness();
    const [server] = await nodeIds(client);
    const first = await client.volumeOperations.create({
      name: 'same',
      size: 10,
      server: server as number,
      labels: { a: '1' },
    });
    const again = await client.volumeOperations.create({
      name: 'same',
      size: 10,
      server: server as number,
      labels: { a: '1' },
    });
    expect(again.id).toBe(first.id);
    expect((await client.volumes.all()).length).toBe(1);
  });

  it('rejects an incompatible volume of the same name', async () => {
    const { client } = await startHarness();
    await client.volumeOperations.create({ name: 'taken', size: 10, location: 'fsn1' });
    await expect(
      client.volumeOperations.create({ name: 'taken', size: 20, location: 'fsn1' }),
    ).rejects.toMatchObject({
      code: 'uniqueness_error',
    });
    await expect(
      client.volumeOperations.create({ name: 'taken', size: 10, location: 'nbg1' }),
    ).rejects.toMatchObject({
      code: 'uniqueness_error',
    });
  });

  it('adopts the volume when the create response was lost', async () => {
    const { client, simulator } = await startHarness();
    const [server] = await nodeIds(client);
    simulator.faults.inject({
      operation: 'create_volume',
      effect: { kind: 'drop', when: 'after', mode: 'reset' },
    });
    const volume = await client.volumeOperations.create({ name: 'lost', size: 10, server: server as number });
    expect(volume.serverId).toBe(server);
    expect(simulator.state.volumes.size).toBe(1);
  });

  it('adopts the volume after a timed-out create', async () => {
    const { client, simulator } = await startHarness({}, { timeoutMs: 150 });
    simulator.faults.inject({
      operation: 'create_volume',
      effect: { kind: 'drop', when: 'after', mode: 'hang' },
    });
    const volume = await client.volumeOperations.create({ name: 'silent', size: 10, location: 'fsn1' });
    expect(volume.status).toBe('available');
    expect(
      simulator.requests
        .filter((request) => request.operation === 'create_volume')
        .map((request) => request.status),
    ).toEqual([-1, 409]);
  });

  it('sends the create once more when the lost request was never applied', async () => {
    const { client, simulator } = await startHarness();
    simulator.faults.inject({
      operation: 'create_volume',
      effect: { kind: 'drop', when: 'before', mode: 'reset' },
    });
    const volume = await client.volumeOperations.create({ name: 'resent', size: 10, location: 'fsn1' });
    expect(volume.status).toBe('available');
    expect(simulator.state.volumes.size).toBe(1);
  });

  it('deletes the volume when the create action fails', async () => {
    const { client, simulator } = await startHarness();
    simulator.faults.failActions({ command: 'create_volume' });
    await expect(
      client.volumeOperations.create({ name: 'broken', size: 10, location: 'fsn1' }),
    ).rejects.toMatchObject({
      code: 'action_failed',
      action: { command: 'create_volume' },
    });
    expect(simulator.state.volumes.size).toBe(0);
  });

  it('keeps the volume when the attach action fails', async () => {
    const { client, simulator } = await startHarness();
    const [server] = await nodeIds(client);
    simulator.faults.failActions({
      command: 'attach_volume',
      message: 'Volume assigning step has failed due to an unknown error',
    });
    await expect(
      client.volumeOperations.create({ name: 'kept', size: 10, server: server as number }),
    ).rejects.toMatchObject({
      code: 'action_failed',
      action: { command: 'attach_volume' },
    });
    const [kept] = await client.volumes.all({ name: 'kept' });
    expect(kept?.serverId).toBeNull();
  });

  it('retries the attach when two creates lock the same server', async () => {
    const { client, calls } = await startHarness({ durations: { create_volume: 40, attach_volume: 80 } });
    const [server] = await nodeIds(client);
    const volumes = await Promise.all(
      ['one', 'two', 'three'].map((name) =>
        client.volumeOperations.create({ name, size: 10, server: server as number }),
      ),
    );
    expect(volumes.map((volume) => volume.serverId)).toEqual([server, server, server]);
    expect(countByOperation(calls).attach_volume).toBeGreaterThanOrEqual(2);
  });
});

describe('VolumeOperations idempotency', () => {
  it('attach to the current server and detach of a detached volume change nothing', async () => {
    const { client, calls } = await startHarness();
    const [server, other] = await nodeIds(client);
    const volume = await client.volumeOperations.create({ name: 'idem', size: 10, server: server as number });
    calls.length = 0;
    expect((await client.volumeOperations.attach(volume.id, server as number)).serverId).toBe(server);
    expect(countByOperation(calls)).toEqual({ get_volume: 1 });
    await expect(client.volumeOperations.attach(volume.id, other as number)).rejects.toMatchObject({
      code: 'volume_already_attached',
    });

    expect((await client.volumeOperations.detach(volume.id)).serverId).toBeNull();
    calls.length = 0;
    expect((await client.volumeOperations.detach(volume.id)).serverId).toBeNull();
    expect(countByOperation(calls)).toEqual({ get_volume: 1 });
  });

  it('resize to a size already reached succeeds without a resize request', async () => {
    const { client, calls } = await startHarness();
    const volume = await client.volumeOperations.create({ name: 'grow', size: 10, location: 'fsn1' });
    expect((await client.volumeOperations.resize(volume.id, 30)).size).toBe(30);
    calls.length = 0;
    expect((await client.volumeOperations.resize(volume.id, 30)).size).toBe(30);
    expect(countByOperation(calls)).toEqual({ get_volume: 1 });
  });

  it('resize smaller fails before any request when the volume is known', async () => {
    const { client, calls } = await startHarness();
    const volume = await client.volumeOperations.create({ name: 'shrink', size: 20, location: 'fsn1' });
    calls.length = 0;
    await expect(client.volumeOperations.resize(volume, 10)).rejects.toMatchObject({
      code: 'invalid_input',
      origin: 'client',
    });
    await expect(client.volumeOperations.resize(volume.id, 10241)).rejects.toMatchObject({
      code: 'invalid_input',
    });
    expect(calls).toEqual([]);
    await expect(client.volumeOperations.resize(volume.id, 15)).rejects.toMatchObject({
      code: 'invalid_input',
    });
    expect(countByOperation(calls)).toEqual({ get_volume: 1 });
  });

  it('delete of a missing volume succeeds', async () => {
    const { client } = await startHarness();
    await expect(client.volumeOperations.delete(123_456)).resolves.toBeUndefined();
  });

  it('delete detaches first and waits for the detach', async () => {
    const { client, simulator } = await startHarness({ durations: { detach_volume: 80 } });
    const [server] = await nodeIds(client);
    const volume = await client.volumeOperations.create({
      name: 'attached',
      size: 10,
      server: server as number,
    });
    await client.volumeOperations.delete(volume.id);
    expect(simulator.state.volumes.size).toBe(0);
    expect(simulator.state.servers.get(server as number)?.volumeIds).toEqual([]);
  });

  it('delete of a protected volume changes nothing', async () => {
    const { client, simulator } = await startHarness();
    const [server] = await nodeIds(client);
    const volume = await client.volumeOperations.create({
      name: 'guarded',
      size: 10,
      server: server as number,
    });
    await client.volumeOperations.setProtection(volume.id, true);
    await expect(client.volumeOperations.delete(volume.id)).rejects.toMatchObject({ code: 'protected' });
    expect(simulator.state.volumes.get(volume.id)?.serverId).toBe(server);
    await client.volumeOperations.delete(volume.id, { disableProtection: true });
    expect(simulator.state.volumes.size).toBe(0);
  });

  it('retries an operation answered with locked', async () => {
    const { client, simulator, calls } = await startHarness();
    const volume = await client.volumeOperations.create({ name: 'busy', size: 10, location: 'fsn1' });
    simulator.faults.error('resize_volume', 423, 'locked', 2);
    calls.length = 0;
    expect((await client.volumeOperations.resize(volume.id, 20)).size).toBe(20);
    expect(countByOperation(calls).resize_volume).toBe(3);
  });

  it('waits for a volume that is still being created before acting on it', async () => {
    const { client } = await startHarness({ durations: { create_volume: 150 } });
    const [server] = await nodeIds(client);
    const { volume } = await client.volumes.create({ name: 'young', size: 10, location: 'fsn1' });
    expect(volume.status).toBe('creating');
    expect((await client.volumeOperations.attach(volume.id, server as number)).serverId).toBe(server);
  });
});
