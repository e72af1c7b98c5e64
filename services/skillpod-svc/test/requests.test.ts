import { forEachEngine } from '@skillancer/testing/database';
import type { LocalVolumeProvider } from '@skillancer/volumes';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_TENANT_LABEL_KEY } from '../src/pods/lifecycle.js';
import {
  buildTestApp,
  createPod,
  deletePod,
  getPod,
  localProvider,
  podAction,
  settledPod,
  startIdentity,
  type TestApp,
  type TestIdentity,
  type TestUser,
} from './support.js';

forEachEngine('pod requests', (getDb) => {
  let identity: TestIdentity;
  let alice: TestUser;
  let bob: TestUser;
  let provider: LocalVolumeProvider;
  let cleanup: () => Promise<void>;
  let test: TestApp;

  beforeAll(async () => {
    identity = await startIdentity(getDb());
    alice = await identity.register();
    bob = await identity.register();
  });
  afterAll(async () => {
    await identity?.close();
  });
  beforeEach(async () => {
    ({ provider, cleanup } = await localProvider());
    test = await buildTestApp({ db: getDb(), identity, provider });
  });
  afterEach(async () => {
    await test.app.close();
    await cleanup();
  });

  async function volumesOfTenant(tenantId: string) {
    return provider.list({ [DEFAULT_TENANT_LABEL_KEY]: tenantId });
  }

  describe('idempotency', () => {
    it('returns the same pod for a retried create', async () => {
      const first = await createPod(test.app, alice, { sizeGb: 20 }, 'retry-key-1');
      await test.app.podLifecycle.runner.idle();
      const again = await createPod(test.app, alice, { sizeGb: 20 }, 'retry-key-1');

      expect(first.statusCode).toBe(202);
      expect(again.statusCode).toBe(200);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.json().id).toBe(first.json().id);
      expect(again.json().state).toBe('ready');
      expect((await provider.list({ [provider.podLabelKey]: first.json().id })).length).toBe(1);
      expect(test.events.actionsOf(first.json().id)).toEqual(['pod.created:success', 'pod.ready:success']);
    });

    it('makes one pod and one volume for concurrent creates with one key', async () => {
      const responses = await Promise.all(
        Array.from({ length: 5 }, () => createPod(test.app, alice, { name: 'same' }, 'concurrent-key')),
      );
      await test.app.podLifecycle.runner.idle();

      const ids = new Set(responses.map((response) => response.json().id));
      expect(ids.size).toBe(1);
      expect(responses.filter((response) => response.statusCode === 202)).toHaveLength(1);
      expect(responses.filter((response) => response.statusCode === 200)).toHaveLength(4);
      const [id] = [...ids];
      expect(await provider.list({ [provider.podLabelKey]: id as string })).toHaveLength(1);
      const { rows } = await getDb().query<{ n: string }>(
        'SELECT count(*)::text AS n FROM pods WHERE tenant_id = $1 AND idempotency_key = $2',
        [alice.tenantId, 'concurrent-key'],
      );
      expect(rows[0]?.n).toBe('1');
    });

    it('rejects a reused key with another body', async () => {
      await createPod(test.app, alice, { sizeGb: 20 }, 'reused-key');

      const response = await createPod(test.app, alice, { sizeGb: 30 }, 'reused-key');

      expect(response.statusCode).toBe(422);
      expect(response.json().error.code).toBe('idempotency_key_reused');
    });

    it('scopes keys to the tenant', async () => {
      const mine = await createPod(test.app, alice, {}, 'shared-key');
      const theirs = await createPod(test.app, bob, {}, 'shared-key');

      expect(theirs.statusCode).toBe(202);
      expect(theirs.json().id).not.toBe(mine.json().id);
    });

    it('requires the Idempotency-Key header', async () => {
      const response = await test.app.inject({
        method: 'POST',
        url: '/pods',
        headers: alice.auth,
        payload: {},
      });

      expect(response.statusCode).toBe(400);
      expect(response.json().error.code).toBe('idempotency_key_missing');
    });

    it.each([
      ['a size below 10 GB', { sizeGb: 5 }],
      ['a fractional size', { sizeGb: 10.5 }],
      ['a size above 10240 GB', { sizeGb: 10241 }],
      ['an unknown field', { sizeGb: 10, image: 'ubuntu' }],
      ['an empty name', { name: '  ' }],
    ])('rejects %s', async (_case, body) => {
      const response = await createPod(test.app, alice, body);

      expect(response.statusCode).toBe(400);
      expect(response.json().error.code).toBe('validation_failed');
    });
  });

  describe('tenant isolation', () => {
    it("answers 404 for another tenant's pod", async () => {
      const { id } = (await createPod(test.app, alice)).json();
      await settledPod(test.app, alice, id);

      const read = await getPod(test.app, bob, id);
      const stop = await podAction(test.app, bob, id, { action: 'stop' });
      const removal = await deletePod(test.app, bob, id);

      expect(read.statusCode).toBe(404);
      expect(stop.statusCode).toBe(404);
      expect(removal.statusCode).toBe(404);
      expect((await settledPod(test.app, alice, id)).state).toBe('ready');
      expect(await volumesOfTenant(alice.tenantId)).not.toHaveLength(0);
    });

    it('lists only the caller’s pods', async () => {
      const { id } = (await createPod(test.app, alice)).json();
      await test.app.podLifecycle.runner.idle();

      const listed = await test.app.inject({ method: 'GET', url: '/pods?limit=100', headers: bob.auth });

      expect(listed.statusCode).toBe(200);
      expect(listed.json().items.map((pod: { id: string }) => pod.id)).not.toContain(id);
    });

    it('answers 404 for a malformed pod id', async () => {
      const response = await getPod(test.app, alice, 'not-a-uuid');

      expect(response.statusCode).toBe(404);
      expect(response.json().error.code).toBe('not_found');
    });

    it('answers 401 without a token', async () => {
      const response = await test.app.inject({ method: 'GET', url: '/pods' });

      expect(response.statusCode).toBe(401);
    });
  });

  describe('documentation', () => {
    it('lists the pod routes in the OpenAPI document', async () => {
      const response = await test.app.inject({ method: 'GET', url: '/docs/json' });

      expect(response.statusCode).toBe(200);
      const paths = response.json().paths;
      expect(Object.keys(paths)).toEqual(
        expect.arrayContaining(['/pods', '/pods/{podId}', '/pods/{podId}/action']),
      );
      expect(paths['/pods'].post.parameters).toEqual(
        expect.arrayContaining([expect.objectContaining({ in: 'header', name: 'idempotency-key' })]),
      );
    });
  });

  describe('listing', () => {
    it('pages through pods newest first', async () => {
      const carol = await identity.register();
      const created: string[] = [];
      for (let index = 0; index < 5; index += 1) {
        created.push((await createPod(test.app, carol, { name: `pod ${index}` })).json().id);
      }
      await test.app.podLifecycle.runner.idle();

      const seen: string[] = [];
      const createdAt: string[] = [];
      const pageSizes: number[] = [];
      let cursor: string | null = null;
      do {
        const query: string = cursor === null ? '' : `&cursor=${cursor}`;
        const page = await test.app.inject({
          method: 'GET',
          url: `/pods?limit=2${query}`,
          headers: carol.auth,
        });
        expect(page.statusCode).toBe(200);
        pageSizes.push(page.json().items.length);
        seen.push(...page.json().items.map((pod: { id: string }) => pod.id));
        createdAt.push(...page.json().items.map((pod: { createdAt: string }) => pod.createdAt));
        cursor = page.json().nextCursor;
      } while (cursor !== null);

      expect(pageSizes).toEqual([2, 2, 1]);
      expect([...seen].sort()).toEqual([...created].sort());
      expect(createdAt).toEqual([...createdAt].sort().reverse());
    });

    it('rejects a cursor it did not issue', async () => {
      const response = await test.app.inject({
        method: 'GET',
        url: '/pods?cursor=bogus',
        headers: alice.auth,
      });

      expect(response.statusCode).toBe(400);
      expect(response.json().error.code).toBe('invalid_cursor');
    });
  });
});
