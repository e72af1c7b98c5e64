import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { isVolumeError, type VolumeErrorCode, type VolumeProvider } from '../src/index.js';

/** What a contract run needs from an implementation. */
export interface ContractSetup {
  provider: VolumeProvider;
  /** Location whose nodes take the volumes. */
  location: string;
  /** Releases whatever the setup started. */
  close(): Promise<void>;
}

export interface ContractLimits {
  /** Nodes in the location. */
  nodes: number;
  /** Attachments per node. */
  volumesPerNode: number;
  /** Volume quota, or undefined for none. */
  quota?: number;
}

export type ContractFactory = (limits: ContractLimits) => Promise<ContractSetup>;

async function expectCode(promise: Promise<unknown>, code: VolumeErrorCode): Promise<void> {
  const error = await promise.then(
    () => new Error(`expected a VolumeError with code ${code}`),
    (caught: unknown) => caught,
  );
  expect(isVolumeError(error), String(error)).toBe(true);
  expect((error as { code: string }).code).toBe(code);
}

/** The behaviour every `VolumeProvider` must show; run once per implementation. */
export function describeVolumeProviderContract(name: string, factory: ContractFactory): void {
  describe(`${name} VolumeProvider contract`, () => {
    const setups: ContractSetup[] = [];
    afterEach(async () => {
      for (const setup of setups.splice(0)) await setup.close();
    });
    const start = async (limits: Partial<ContractLimits> = {}): Promise<ContractSetup> => {
      const setup = await factory({ nodes: 2, volumesPerNode: 16, ...limits });
      setups.push(setup);
      return setup;
    };

    it('creates an attached, available volume for a pod', async () => {
      const { provider, location } = await start();
      const podId = randomUUID();
      const volume = await provider.create({ podId, sizeGb: 10, location, labels: { tenant: 't1' } });
      expect(volume).toMatchObject({ status: 'available', sizeGb: 10, location, protected: false });
      expect(volume.serverId).not.toBeNull();
      expect(volume.devicePath.length).toBeGreaterThan(0);
      expect(volume.labels).toMatchObject({ tenant: 't1', [provider.podLabelKey]: podId });
      expect(await provider.get(volume.id)).toMatchObject({ id: volume.id, serverId: volume.serverId });
      expect(await provider.findByPod(podId)).toMatchObject({ id: volume.id });
    });

    it('returns the existing volume when the pod creates again, also concurrently', async () => {
      const { provider, location } = await start();
      const podId = randomUUID();
      const first = await provider.create({ podId, sizeGb: 10, location });
      const again = await provider.create({ podId, sizeGb: 10, location });
      expect(again.id).toBe(first.id);
      const otherPod = randomUUID();
      const racing = await Promise.all(
        [1, 2, 3].map(() => provider.create({ podId: otherPod, sizeGb: 10, location })),
      );
      expect(new Set(racing.map((volume) => volume.id)).size).toBe(1);
      expect(await provider.list({ [provider.podLabelKey]: otherPod })).toHaveLength(1);
    });

    it('lists by labels', async () => {
      const { provider, location } = await start();
      await provider.create({ podId: randomUUID(), sizeGb: 10, location, labels: { tenant: 'a' } });
      await provider.create({ podId: randomUUID(), sizeGb: 10, location, labels: { tenant: 'a' } });
      await provider.create({ podId: randomUUID(), sizeGb: 10, location, labels: { tenant: 'b' } });
      expect(await provider.list({ tenant: 'a' })).toHaveLength(2);
      expect(await provider.list({ tenant: 'c' })).toEqual([]);
      expect(await provider.get('424242')).toBeNull();
      expect(await provider.findByPod(randomUUID())).toBeNull();
    });

    it('detaches and attaches idempotently', async () => {
      const { provider, location } = await start();
      const volume = await provider.create({ podId: randomUUID(), sizeGb: 10, location });
      const detached = await provider.detach(volume.id);
      expect(detached.serverId).toBeNull();
      expect((await provider.detach(volume.id)).serverId).toBeNull();
      const attached = await provider.attach(volume.id);
      expect(attached.serverId).not.toBeNull();
      expect((await provider.attach(volume.id)).serverId).toBe(attached.serverId);
      expect((await provider.attach(volume.id, { serverId: attached.serverId as string })).serverId).toBe(
        attached.serverId,
      );
    });

    it('grows, treats the current size as done, and refuses to shrink', async () => {
      const { provider, location } = await start();
      const volume = await provider.create({ podId: randomUUID(), sizeGb: 20, location });
      expect((await provider.resize(volume.id, 30)).sizeGb).toBe(30);
      expect((await provider.resize(volume.id, 30)).sizeGb).toBe(30);
      await expectCode(provider.resize(volume.id, 20), 'invalid_size');
      await expectCode(provider.resize(volume.id, 10241), 'invalid_size');
      await expectCode(provider.resize(volume.id, 40.5), 'invalid_size');
      expect((await provider.get(volume.id))?.sizeGb).toBe(30);
    });

    it('rejects invalid sizes and labels before creating anything', async () => {
      const { provider, location } = await start();
      await expectCode(provider.create({ podId: randomUUID(), sizeGb: 9, location }), 'invalid_size');
      await expectCode(
        provider.create({ podId: randomUUID(), sizeGb: 10, location, labels: { tenant: 'not valid!' } }),
        'invalid_request',
      );
      await expectCode(provider.create({ podId: 'bad pod id', sizeGb: 10, location }), 'invalid_request');
      expect(await provider.list({})).toEqual([]);
    });

    it('deletes attached volumes and treats missing ones as deleted', async () => {
      const { provider, location } = await start();
      const volume = await provider.create({ podId: randomUUID(), sizeGb: 10, location });
      await provider.delete(volume.id);
      expect(await provider.get(volume.id)).toBeNull();
      await provider.delete(volume.id);
    });

    it('keeps a protected volume until protection is turned off', async () => {
      const { provider, location } = await start();
      const volume = await provider.create({ podId: randomUUID(), sizeGb: 10, location });
      expect((await provider.setProtection(volume.id, true)).protected).toBe(true);
      await expectCode(provider.delete(volume.id), 'protected');
      expect(await provider.get(volume.id)).toMatchObject({ id: volume.id, protected: true });
      await provider.delete(volume.id, { disableProtection: true });
      expect(await provider.get(volume.id)).toBeNull();
    });

    it('reports not_found for operations on a missing volume', async () => {
      const { provider } = await start();
      const missing = (await provider.get('424242')) === null ? '424242' : randomUUID();
      await expectCode(provider.detach(missing), 'not_found');
      await expectCode(provider.resize(missing, 20), 'not_found');
      await expectCode(provider.attach(missing), 'not_found');
    });

    it('fails with no_capacity when every node is full', async () => {
      const { provider, location } = await start({ nodes: 2, volumesPerNode: 1 });
      const first = await provider.create({ podId: randomUUID(), sizeGb: 10, location });
      const second = await provider.create({ podId: randomUUID(), sizeGb: 10, location });
      expect(first.serverId).not.toBe(second.serverId);
      await expectCode(provider.create({ podId: randomUUID(), sizeGb: 10, location }), 'no_capacity');
      await provider.detach(first.id);
      const third = await provider.create({ podId: randomUUID(), sizeGb: 10, location });
      expect(third.serverId).toBe(first.serverId);
    });

    it('fails with quota_exceeded and leaves nothing half-made', async () => {
      const { provider, location } = await start({ quota: 2 });
      await provider.create({ podId: randomUUID(), sizeGb: 10, location });
      await provider.create({ podId: randomUUID(), sizeGb: 10, location });
      const podId = randomUUID();
      await expectCode(provider.create({ podId, sizeGb: 10, location }), 'quota_exceeded');
      expect(await provider.findByPod(podId)).toBeNull();
      expect(await provider.list({})).toHaveLength(2);
    });
  });
}
