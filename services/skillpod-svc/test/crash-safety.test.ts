import { randomUUID } from 'node:crypto';
import { forEachEngine } from '@skillancer/testing/database';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_TENANT_LABEL_KEY } from '../src/pods/lifecycle.js';
import { RECONCILER_LOCK } from '../src/pods/reconciler.js';
import { insertPodRow, readPodRow } from './pod-rows.js';
import { PROVIDER_KINDS, type ProviderUnderTest, startProvider } from './providers.js';
import {
  buildTestApp,
  createPod,
  hetznerProviderFor,
  simulatedHetzner,
  startIdentity,
  type TestApp,
  type TestIdentity,
  type TestUser,
} from './support.js';

forEachEngine('pod crash safety', (getDb) => {
  let identity: TestIdentity;
  let user: TestUser;

  beforeAll(async () => {
    identity = await startIdentity(getDb());
    user = await identity.register();
  });
  afterAll(async () => {
    await identity?.close();
  });
  beforeEach(async () => {
    await getDb().query('DELETE FROM pods');
    await getDb().query('DELETE FROM pod_orphan_volumes');
  });

  for (const kind of PROVIDER_KINDS) {
    describe(`${kind} volumes`, () => {
      let under: ProviderUnderTest;
      let test: TestApp;

      beforeEach(async () => {
        under = await startProvider(kind);
        test = await buildTestApp({ db: getDb(), identity, provider: under.provider });
      });
      afterEach(async () => {
        await test.app.close();
        await under.close();
        expect(under.simulator?.violations ?? []).toEqual([]);
      });

      /** Creates the pod's volume at the provider, as a worker that crashed afterwards would have. */
      function createVolumeOf(podId: string, sizeGb = 10) {
        return under.provider.create({
          podId,
          sizeGb,
          location: 'fsn1',
          labels: { [DEFAULT_TENANT_LABEL_KEY]: user.tenantId },
        });
      }

      async function volumesOf(podId: string) {
        return under.provider.list({ [under.provider.podLabelKey]: podId });
      }

      it('finishes a create interrupted before the volume existed', async () => {
        const id = await insertPodRow(getDb(), user, { state: 'provisioning', operation: 'create' });

        const report = await test.app.podLifecycle.reconciler.runOnce();

        expect(report.operationsResumed).toBe(1);
        const row = await readPodRow(getDb(), id);
        expect(row.state).toBe('ready');
        expect(row.operation).toBeNull();
        const volumes = await volumesOf(id);
        expect(volumes).toHaveLength(1);
        expect(row.volume_id).toBe(volumes[0]?.id);
      });

      it('adopts the volume of a create interrupted after it was made', async () => {
        const id = await insertPodRow(getDb(), user, { state: 'provisioning', operation: 'create' });
        const made = await createVolumeOf(id);

        await test.app.podLifecycle.reconciler.runOnce();

        const row = await readPodRow(getDb(), id);
        expect(row.state).toBe('ready');
        expect(row.volume_id).toBe(made.id);
        expect(await volumesOf(id)).toHaveLength(1);
      });

      it('attaches the volume of a create cut off before its attach', async () => {
        const id = await insertPodRow(getDb(), user, { state: 'provisioning', operation: 'create' });
        const made = await createVolumeOf(id);
        await under.provider.detach(made.id);

        await test.app.podLifecycle.reconciler.runOnce();

        const row = await readPodRow(getDb(), id);
        expect(row.state).toBe('ready');
        expect(row.volume_id).toBe(made.id);
        expect(row.server_id).not.toBeNull();
        expect((await under.provider.get(made.id))?.serverId).toBe(row.server_id);
        expect(await volumesOf(id)).toHaveLength(1);
      });

      it('finishes an interrupted delete', async () => {
        const id = await insertPodRow(getDb(), user, {
          state: 'deleting',
          operation: 'delete',
          resumeState: 'ready',
        });
        const made = await createVolumeOf(id);
        await getDb().query('UPDATE pods SET volume_id = $2 WHERE id = $1', [id, made.id]);

        await test.app.podLifecycle.reconciler.runOnce();

        expect((await readPodRow(getDb(), id)).state).toBe('deleted');
        expect(await volumesOf(id)).toHaveLength(0);
      });

      it('finishes a delete whose volume is already gone', async () => {
        const id = await insertPodRow(getDb(), user, {
          state: 'deleting',
          operation: 'delete',
          resumeState: 'ready',
        });
        const made = await createVolumeOf(id);
        await getDb().query('UPDATE pods SET volume_id = $2 WHERE id = $1', [id, made.id]);
        await under.provider.delete(made.id);

        await test.app.podLifecycle.reconciler.runOnce();

        expect((await readPodRow(getDb(), id)).state).toBe('deleted');
      });

      it('finishes a stop whose volume is already detached', async () => {
        const id = await insertPodRow(getDb(), user, {
          state: 'stopping',
          operation: 'stop',
          resumeState: 'ready',
        });
        const made = await createVolumeOf(id);
        await under.provider.detach(made.id);
        await getDb().query('UPDATE pods SET volume_id = $2 WHERE id = $1', [id, made.id]);

        await test.app.podLifecycle.reconciler.runOnce();

        const row = await readPodRow(getDb(), id);
        expect(row.state).toBe('stopped');
        expect(row.server_id).toBeNull();
      });

      it('finishes a resize that already grew the volume', async () => {
        const id = await insertPodRow(getDb(), user, {
          state: 'resizing',
          operation: 'resize',
          resumeState: 'ready',
          operationSizeGb: 30,
        });
        const made = await createVolumeOf(id);
        await under.provider.resize(made.id, 30);
        await getDb().query('UPDATE pods SET volume_id = $2 WHERE id = $1', [id, made.id]);

        await test.app.podLifecycle.reconciler.runOnce();

        const row = await readPodRow(getDb(), id);
        expect(row.state).toBe('ready');
        expect(row.size_gb).toBe(30);
        expect((await under.provider.get(made.id))?.sizeGb).toBe(30);
      });

      it('leaves an operation with a live lease alone', async () => {
        const id = await insertPodRow(getDb(), user, {
          state: 'provisioning',
          operation: 'create',
          leaseExpiresInMs: 60_000,
        });

        const report = await test.app.podLifecycle.reconciler.runOnce();

        expect(report.operationsResumed).toBe(0);
        expect((await readPodRow(getDb(), id)).state).toBe('provisioning');
        expect(await volumesOf(id)).toHaveLength(0);
      });

      it('skips the run while another replica holds the lock', async () => {
        const id = await insertPodRow(getDb(), user, { state: 'provisioning', operation: 'create' });

        const held = await getDb().tryWithAdvisoryLock(RECONCILER_LOCK, () =>
          test.app.podLifecycle.reconciler.runOnce(),
        );

        if (!held.acquired) throw new Error('the test could not take the reconciler lock');
        expect(held.value.skipped).toBe(true);
        expect((await readPodRow(getDb(), id)).state).toBe('provisioning');
      });
    });
  }

  describe('restart', () => {
    it('resumes creates aborted by a shutdown', async () => {
      const { simulator, provider } = await simulatedHetzner({
        durations: { create_volume: 150, attach_volume: 150 },
      });
      const first = await buildTestApp({ db: getDb(), identity, provider });
      const ids: string[] = [];
      for (let index = 0; index < 3; index += 1) ids.push((await createPod(first.app, user)).json().id);
      while (simulator.state.volumes.size === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      await first.app.close();

      const interrupted = await getDb().query<{ n: string }>(
        "SELECT count(*)::text AS n FROM pods WHERE state = 'provisioning'",
      );
      expect(Number(interrupted.rows[0]?.n)).toBeGreaterThan(0);

      const second = await buildTestApp({
        db: getDb(),
        identity,
        provider: hetznerProviderFor(simulator).provider,
      });
      const report = await second.app.podLifecycle.reconciler.runOnce();
      await second.app.close();
      await simulator.close();

      expect(report.operationsResumed).toBe(Number(interrupted.rows[0]?.n));
      for (const id of ids) expect((await readPodRow(getDb(), id)).state).toBe('ready');
      const podLabels = [...simulator.state.volumes.values()].map(
        (volume) => volume.labels['skillancer.io/pod'],
      );
      expect([...podLabels].sort()).toEqual([...ids].sort());
      expect(simulator.violations).toEqual([]);
    });

    it('makes one volume when two replicas run the same create', async () => {
      const { simulator, provider } = await simulatedHetzner({
        durations: { create_volume: 100, attach_volume: 100 },
      });
      const id = await insertPodRow(getDb(), user, { state: 'provisioning', operation: 'create' });
      const first = await buildTestApp({ db: getDb(), identity, provider });
      const second = await buildTestApp({
        db: getDb(),
        identity,
        provider: hetznerProviderFor(simulator).provider,
      });

      // Both replicas hold the same lease, as when one takes over while the other is still running.
      const claimed = await first.app.podLifecycle.repository.claim(id, randomUUID(), 60_000);
      if (claimed === null) throw new Error('the seeded pod could not be claimed');
      await Promise.all([
        first.app.podLifecycle.runner.run(claimed),
        second.app.podLifecycle.runner.run(claimed),
      ]);
      await first.app.close();
      await second.app.close();
      await simulator.close();

      const row = await readPodRow(getDb(), id);
      expect(row.state).toBe('ready');
      expect(simulator.state.volumes.size).toBe(1);
      expect(row.volume_id).toBe(String([...simulator.state.volumes.keys()][0]));
      expect(simulator.violations).toEqual([]);
    });

    it('runs the reconciler at start-up', async () => {
      const { simulator, provider } = await simulatedHetzner();
      const id = await insertPodRow(getDb(), user, { state: 'provisioning', operation: 'create' });

      const test = await buildTestApp({
        db: getDb(),
        identity,
        provider,
        settings: { reconcileOnStart: true },
      });
      const deadline = Date.now() + 5_000;
      while ((await readPodRow(getDb(), id)).state !== 'ready' && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await test.app.close();
      await simulator.close();

      expect((await readPodRow(getDb(), id)).state).toBe('ready');
      expect(simulator.state.volumes.size).toBe(1);
    });
  });
});
