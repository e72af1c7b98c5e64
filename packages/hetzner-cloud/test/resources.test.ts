import { SKILLPOD_NODE_LABEL } from '@skillancer/testing/hetzner';
import { describe, expect, it } from 'vitest';
import { HetznerApiError } from '../src/index.js';
import { countByOperation, startHarness, useHarnessCleanup } from './helpers.js';

useHarnessCleanup();

describe('volumes resource', () => {
  it('lists all 354 volumes with per_page=50', async () => {
    const { client, simulator, calls } = await startHarness();
    for (let index = 0; index < 354; index += 1)
      simulator.state.addVolume({ name: `v-${index}`, location: 'fsn1' });
    const all = await client.volumes.all();
    expect(all).toHaveLength(354);
    expect(new Set(all.map((volume) => volume.id)).size).toBe(354);
    expect(countByOperation(calls)).toEqual({ list_volumes: 8 });
    expect(simulator.requests.every((request) => request.query.includes('per_page=50'))).toBe(true);
  });

  it('filters by exact name, label selector and status, and sorts', async () => {
    const { client, simulator } = await startHarness();
    simulator.state.addVolume({ name: 'alpha', location: 'fsn1', labels: { tenant: 't1', tier: 'gold' } });
    simulator.state.addVolume({ name: 'alpha-2', location: 'fsn1', labels: { tenant: 't1' } });
    simulator.state.addVolume({ name: 'beta', location: 'nbg1', labels: { tenant: 't2', tier: 'silver' } });

    expect((await client.volumes.list({ name: 'alpha' })).items.map((volume) => volume.name)).toEqual([
      'alpha',
    ]);
    const t1 = await client.volumes.all({ labelSelector: { tenant: 't1' }, sort: ['name:desc'] });
    expect(t1.map((volume) => volume.name)).toEqual(['alpha-2', 'alpha']);
    const tiered = await client.volumes.all({ labelSelector: 'tier in (gold,silver),tenant!=t2' });
    expect(tiered.map((volume) => volume.name)).toEqual(['alpha']);
    expect((await client.volumes.all({ labelSelector: '!tier' })).map((volume) => volume.name)).toEqual([
      'alpha-2',
    ]);
    expect(await client.volumes.all({ status: ['creating'] })).toEqual([]);
  });

  it('returns page metadata', async () => {
    const { client, simulator } = await startHarness();
    for (let index = 0; index < 7; index += 1)
      simulator.state.addVolume({ name: `v-${index}`, location: 'fsn1' });
    const page = await client.volumes.list({ page: 2, perPage: 3 });
    expect(page.items).toHaveLength(3);
    expect(page.pagination).toEqual({
      page: 2,
      perPage: 3,
      previousPage: 1,
      nextPage: 3,
      lastPage: 3,
      totalEntries: 7,
    });
  });

  it('rejects per_page above 50 before sending', async () => {
    const { client, calls } = await startHarness();
    await expect(client.volumes.list({ perPage: 51 })).rejects.toMatchObject({
      code: 'invalid_input',
      origin: 'client',
    });
    expect(calls).toEqual([]);
  });

  it('creates, updates and deletes through single requests', async () => {
    const { client } = await startHarness();
    const created = await client.volumes.create({
      name: 'raw',
      size: 10,
      location: 'fsn1',
      labels: { a: '1' },
      format: 'ext4',
    });
    expect(created.volume.status).toBe('creating');
    expect(created.action.command).toBe('create_volume');
    expect(created.nextActions).toEqual([]);
    await client.waiter.wait([created.action]);

    const updated = await client.volumes.update(created.volume.id, { name: 'renamed', labels: { b: '2' } });
    expect(updated.name).toBe('renamed');
    expect(updated.labels).toEqual({ b: '2' });
    expect(updated.format).toBe('ext4');

    const protect = await client.volumes.changeProtection(created.volume.id, { delete: true });
    await client.waiter.wait([protect]);
    await expect(client.volumes.delete(created.volume.id)).rejects.toMatchObject({
      code: 'protected',
      status: 423,
    });
    await client.waiter.wait([await client.volumes.changeProtection(created.volume.id, { delete: false })]);
    await client.volumes.delete(created.volume.id);
    await expect(client.volumes.get(created.volume.id)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('creates with a server and returns the attach as next action', async () => {
    const { client } = await startHarness();
    const [node] = await client.servers.all({
      labelSelector: { [SKILLPOD_NODE_LABEL.key]: SKILLPOD_NODE_LABEL.value },
    });
    const created = await client.volumes.create({
      name: 'with-server',
      size: 10,
      server: node?.id as number,
      automount: false,
    });
    expect(created.nextActions.map((action) => action.command)).toEqual(['attach_volume']);
    await client.waiter.wait([created.action, ...created.nextActions]);
    const volume = await client.volumes.get(created.volume.id);
    expect(volume.serverId).toBe(node?.id);
    expect(volume.location.name).toBe(node?.location.name);
    expect(volume.linuxDevice).toBe(`/dev/disk/by-id/scsi-0HC_Volume_${volume.id}`);
  });

  it('lists the actions of one volume', async () => {
    const { client } = await startHarness();
    const created = await client.volumes.create({ name: 'acts', size: 10, location: 'fsn1' });
    const running = await client.volumes.listActions(created.volume.id, { status: ['running'] });
    expect(running.map((action) => action.id)).toEqual([created.action.id]);
  });
});

describe('servers and locations', () => {
  it('reads servers by label and id', async () => {
    const { client } = await startHarness();
    const nodes = await client.servers.all({
      labelSelector: `${SKILLPOD_NODE_LABEL.key}=${SKILLPOD_NODE_LABEL.value}`,
    });
    expect(nodes).toHaveLength(4);
    const [first] = nodes;
    const server = await client.servers.get(first?.id as number);
    expect(server).toMatchObject({ name: first?.name, locked: false, volumeIds: [], serverType: 'cpx31' });
  });

  it('reads locations', async () => {
    const { client } = await startHarness();
    const locations = await client.locations.all({ sort: ['name:desc'] });
    expect(locations.map((location) => location.name)).toEqual(['sin', 'nbg1', 'hil', 'hel1', 'fsn1', 'ash']);
    expect(await client.locations.get(1)).toMatchObject({ name: 'fsn1', networkZone: 'eu-central' });
  });
});

describe('actions resource', () => {
  it('gets many actions in one request', async () => {
    const { client, calls } = await startHarness();
    const created = await Promise.all(
      Array.from({ length: 5 }, (_, index) =>
        client.volumes.create({ name: `a-${index}`, size: 10, location: 'fsn1' }),
      ),
    );
    calls.length = 0;
    const actions = await client.actions.getMany(created.map((result) => result.action.id));
    expect(actions).toHaveLength(5);
    expect(countByOperation(calls)).toEqual({ get_actions: 1 });
    expect((await client.actions.get(created[0]?.action.id as number)).command).toBe('create_volume');
  });

  it('splits more than 25 ids into several requests', async () => {
    const { client, calls } = await startHarness();
    const ids = Array.from({ length: 30 }, (_, index) => index + 1);
    expect(await client.actions.getMany(ids)).toEqual([]);
    expect(countByOperation(calls)).toEqual({ get_actions: 2 });
  });

  it('rejects an invalid id before sending', async () => {
    const { client, calls } = await startHarness();
    await expect(client.actions.get(0)).rejects.toBeInstanceOf(HetznerApiError);
    expect(calls).toEqual([]);
  });
});
