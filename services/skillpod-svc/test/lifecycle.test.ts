import { forEachEngine } from '@skillancer/testing/database';
import { DEFAULT_MANAGED_LABELS } from '@skillancer/volumes';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_TENANT_LABEL_KEY } from '../src/pods/lifecycle.js';
import { PROVIDER_KINDS, type ProviderUnderTest, requestCount, startProvider } from './providers.js';
import {
  buildTestApp,
  createPod,
  deletePod,
  podAction,
  settledPod,
  startIdentity,
  type TestApp,
  type TestIdentity,
  type TestUser,
} from './support.js';

forEachEngine('pod lifecycle', (getDb) => {
  let identity: TestIdentity;
  let user: TestUser;

  beforeAll(async () => {
    identity = await startIdentity(getDb());
    user = await identity.register();
  });
  afterAll(async () => {
    await identity?.close();
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

      it('creates a pod that becomes ready', async () => {
        const response = await createPod(test.app, user, { name: 'analysis', sizeGb: 20 });

        expect(response.statusCode).toBe(202);
        const accepted = response.json();
        expect(accepted.state).toBe('provisioning');
        expect(accepted.operation.kind).toBe('create');
        expect(accepted.sizeGb).toBe(20);
        expect(accepted.devicePath).toBeNull();

        const pod = await settledPod(test.app, user, accepted.id);
        expect(pod.state).toBe('ready');
        expect(pod.operation).toBeNull();
        expect(pod.failure).toBeNull();
        expect(pod.location).toBe('fsn1');

        const volume = await under.provider.findByPod(accepted.id);
        expect(volume).not.toBeNull();
        expect(volume?.sizeGb).toBe(20);
        expect(volume?.serverId).not.toBeNull();
        expect(pod.devicePath).toBe(volume?.devicePath);
        expect(volume?.labels).toMatchObject({
          ...DEFAULT_MANAGED_LABELS,
          [DEFAULT_TENANT_LABEL_KEY]: user.tenantId,
          [under.provider.podLabelKey]: accepted.id,
        });
        expect(test.events.actionsOf(accepted.id)).toEqual(['pod.created:success', 'pod.ready:success']);
      });

      it('uses the default size when the request has none', async () => {
        const created = (await createPod(test.app, user)).json();
        const pod = await settledPod(test.app, user, created.id);

        expect(pod.sizeGb).toBe(10);
        expect((await under.provider.findByPod(created.id))?.sizeGb).toBe(10);
      });

      it('stops, starts, resizes and deletes a pod', async () => {
        const { id } = (await createPod(test.app, user, { sizeGb: 10 })).json();
        await settledPod(test.app, user, id);

        const stopping = await podAction(test.app, user, id, { action: 'stop' });
        expect(stopping.statusCode).toBe(202);
        expect(stopping.json().state).toBe('stopping');
        const stopped = await settledPod(test.app, user, id);
        expect(stopped.state).toBe('stopped');
        expect(stopped.devicePath).toBeNull();
        expect((await under.provider.findByPod(id))?.serverId).toBeNull();

        const starting = await podAction(test.app, user, id, { action: 'start' });
        expect(starting.json().state).toBe('starting');
        const started = await settledPod(test.app, user, id);
        expect(started.state).toBe('ready');
        expect((await under.provider.findByPod(id))?.serverId).not.toBeNull();

        const resizing = await podAction(test.app, user, id, { action: 'resize', sizeGb: 30 });
        expect(resizing.statusCode).toBe(202);
        expect(resizing.json().state).toBe('resizing');
        expect(resizing.json().operation.targetSizeGb).toBe(30);
        const resized = await settledPod(test.app, user, id);
        expect(resized.state).toBe('ready');
        expect(resized.sizeGb).toBe(30);
        expect((await under.provider.findByPod(id))?.sizeGb).toBe(30);

        const deleting = await deletePod(test.app, user, id);
        expect(deleting.statusCode).toBe(202);
        expect(deleting.json().state).toBe('deleting');
        const deleted = await settledPod(test.app, user, id);
        expect(deleted.state).toBe('deleted');
        expect(deleted.deletedAt).not.toBeNull();
        expect(await under.provider.findByPod(id)).toBeNull();

        expect(test.events.actionsOf(id)).toEqual([
          'pod.created:success',
          'pod.ready:success',
          'pod.stopped:success',
          'pod.started:success',
          'pod.resized:success',
          'pod.deleted:success',
        ]);
        const resizeEvent = test.events.events.find((event) => event.action === 'pod.resized');
        expect(resizeEvent?.details).toMatchObject({ fromSizeGb: 10, toSizeGb: 30 });
        expect(resizeEvent?.actorUserId).toBe(user.userId);
      });

      it('rejects a smaller size before any provider call', async () => {
        const { id } = (await createPod(test.app, user, { sizeGb: 20 })).json();
        await settledPod(test.app, user, id);
        const before = requestCount(under);

        const response = await podAction(test.app, user, id, { action: 'resize', sizeGb: 15 });

        expect(response.statusCode).toBe(422);
        expect(response.json().error.code).toBe('volume_shrink_rejected');
        expect(requestCount(under)).toBe(before);
        expect((await settledPod(test.app, user, id)).state).toBe('ready');
      });

      it('answers 200 for a resize to the current size', async () => {
        const { id } = (await createPod(test.app, user, { sizeGb: 20 })).json();
        await settledPod(test.app, user, id);

        const response = await podAction(test.app, user, id, { action: 'resize', sizeGb: 20 });

        expect(response.statusCode).toBe(200);
        expect(response.json().state).toBe('ready');
      });

      it('rejects actions that do not fit the state', async () => {
        const { id } = (await createPod(test.app, user)).json();
        await settledPod(test.app, user, id);

        const start = await podAction(test.app, user, id, { action: 'start' });
        expect(start.statusCode).toBe(409);
        expect(start.json().error.code).toBe('invalid_state');

        await podAction(test.app, user, id, { action: 'stop' });
        await settledPod(test.app, user, id);
        const stop = await podAction(test.app, user, id, { action: 'stop' });
        expect(stop.statusCode).toBe(409);
        expect(stop.json().error.code).toBe('invalid_state');

        const resize = await podAction(test.app, user, id, { action: 'resize' });
        expect(resize.statusCode).toBe(400);
      });

      it('reports delete protection as 409 and changes nothing', async () => {
        const { id } = (await createPod(test.app, user)).json();
        await settledPod(test.app, user, id);
        const volume = await under.provider.findByPod(id);
        await under.provider.setProtection(volume?.id ?? '', true);

        const response = await deletePod(test.app, user, id);

        expect(response.statusCode).toBe(409);
        expect(response.json().error.code).toBe('volume_protected');
        expect((await settledPod(test.app, user, id)).state).toBe('ready');
        expect(await under.provider.findByPod(id)).not.toBeNull();

        await under.provider.setProtection(volume?.id ?? '', false);
        expect((await deletePod(test.app, user, id)).statusCode).toBe(202);
        expect((await settledPod(test.app, user, id)).state).toBe('deleted');
      });

      it('answers 200 when deleting a deleted pod', async () => {
        const { id } = (await createPod(test.app, user)).json();
        await settledPod(test.app, user, id);
        await deletePod(test.app, user, id);
        await settledPod(test.app, user, id);

        const again = await deletePod(test.app, user, id);

        expect(again.statusCode).toBe(200);
        expect(again.json().state).toBe('deleted');
        const listed = await test.app.inject({ method: 'GET', url: '/pods?limit=100', headers: user.auth });
        expect(listed.json().items.map((pod: { id: string }) => pod.id)).not.toContain(id);
      });
    });
  }
});
