import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@skillancer/testing/database';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_TENANT_LABEL_KEY, type PodLifecycleSettings } from '../src/pods/lifecycle.js';
import { insertPodRow, readPodRow } from './pod-rows.js';
import { PROVIDER_KINDS, type ProviderUnderTest, startProvider } from './providers.js';
import { buildTestApp, startIdentity, type TestApp, type TestIdentity, type TestUser } from './support.js';

// The sweep runs the same SQL on both engines, and the crash-safety tests cover the reconciler on
// PostgreSQL too, so these cases run on PGlite only to keep the suite short.
describe('pod reconciler volume sweep', () => {
  let db: TestDatabase;
  let identity: TestIdentity;
  let user: TestUser;
  const getDb = () => db;

  beforeAll(async () => {
    db = await createTestDatabase('pglite');
    identity = await startIdentity(db);
    user = await identity.register();
  });
  afterAll(async () => {
    await identity?.close();
    await db?.close();
  });
  beforeEach(async () => {
    await getDb().query('DELETE FROM pods');
    await getDb().query('DELETE FROM pod_orphan_volumes');
  });

  for (const kind of PROVIDER_KINDS) {
    describe(`${kind} volumes`, () => {
      let under: ProviderUnderTest;
      let test: TestApp | undefined;

      beforeEach(async () => {
        under = await startProvider(kind);
        test = undefined;
      });
      afterEach(async () => {
        await test?.app.close();
        await under.close();
        expect(under.simulator?.violations ?? []).toEqual([]);
      });

      async function start(settings: Partial<PodLifecycleSettings> = {}): Promise<TestApp> {
        test = await buildTestApp({
          db: getDb(),
          identity,
          provider: under.provider,
          settings,
          captureLogs: true,
        });
        return test;
      }

      function createVolumeOf(podId: string) {
        return under.provider.create({
          podId,
          sizeGb: 10,
          location: 'fsn1',
          labels: { [DEFAULT_TENANT_LABEL_KEY]: user.tenantId },
        });
      }

      it('deletes an orphan volume after the grace period', async () => {
        const { app, metrics, logLines } = await start({ orphanGraceMs: 60_000 });
        const orphan = await createVolumeOf(randomUUID());

        const first = await app.podLifecycle.reconciler.runOnce();

        expect(first.orphansFound).toBe(1);
        expect(first.orphansDeleted).toBe(0);
        expect(await under.provider.get(orphan.id)).not.toBeNull();
        expect(logLines.some((line) => line.volumeId === orphan.id && line.level === 40)).toBe(true);

        await getDb().query("UPDATE pod_orphan_volumes SET first_seen_at = now() - interval '2 minutes'");
        const second = await app.podLifecycle.reconciler.runOnce();

        expect(second.orphansFound).toBe(0);
        expect(second.orphansDeleted).toBe(1);
        expect(await under.provider.get(orphan.id)).toBeNull();
        const remembered = await getDb().query('SELECT volume_id FROM pod_orphan_volumes');
        expect(remembered.rows).toEqual([]);
        const text = await metrics.registry.metrics();
        expect(text).toMatch(/skillpod_reconciler_actions_total\{action="orphan_deleted"[^}]*\} 1/);
        expect(text).toMatch(/skillpod_reconciler_actions_total\{action="orphan_found"[^}]*\} 1/);
        expect(
          logLines.some((line) => line.msg === 'deleted an orphan volume' && line.volumeId === orphan.id),
        ).toBe(true);
        expect(logLines.some((line) => line.msg === 'pod reconciler run finished')).toBe(true);
      });

      it('treats the volume of a deleted pod as an orphan', async () => {
        const { app } = await start();
        const id = randomUUID();
        const volume = await createVolumeOf(id);
        await insertPodRow(getDb(), user, { state: 'deleted', volumeId: volume.id }, id);

        const report = await app.podLifecycle.reconciler.runOnce();

        expect(report.orphansDeleted).toBe(1);
        expect(await under.provider.get(volume.id)).toBeNull();
      });

      it('keeps an orphan volume with delete protection', async () => {
        const { app } = await start();
        const orphan = await createVolumeOf(randomUUID());
        await under.provider.setProtection(orphan.id, true);

        const report = await app.podLifecycle.reconciler.runOnce();

        expect(report.orphansKept).toBe(1);
        expect(report.orphansDeleted).toBe(0);
        expect(await under.provider.get(orphan.id)).not.toBeNull();
      });

      it('deletes no orphan when more are due than allowed', async () => {
        const { app, logLines } = await start({ maxOrphanDeletions: 1 });
        const orphans = [await createVolumeOf(randomUUID()), await createVolumeOf(randomUUID())];

        const report = await app.podLifecycle.reconciler.runOnce();

        expect(report.orphansDeleted).toBe(0);
        expect(report.orphansKept).toBe(2);
        for (const orphan of orphans) expect(await under.provider.get(orphan.id)).not.toBeNull();
        expect(logLines.some((line) => line.level === 50 && line.due === 2)).toBe(true);
      });

      it('leaves the volume of a live pod alone', async () => {
        const { app } = await start();
        const id = randomUUID();
        const volume = await createVolumeOf(id);
        await insertPodRow(
          getDb(),
          user,
          {
            state: 'ready',
            volumeId: volume.id,
            serverId: volume.serverId ?? '',
            devicePath: volume.devicePath,
          },
          id,
        );

        const report = await app.podLifecycle.reconciler.runOnce();

        expect(report.orphansFound).toBe(0);
        expect(report.corrected).toBe(0);
        expect(await under.provider.get(volume.id)).not.toBeNull();
      });

      it('records the kept volume of a failed pod', async () => {
        const { app } = await start();
        const id = randomUUID();
        await insertPodRow(getDb(), user, { state: 'failed', failureCode: 'attach_failed' }, id);
        const volume = await createVolumeOf(id);
        await under.provider.detach(volume.id);

        const report = await app.podLifecycle.reconciler.runOnce();

        expect(report.adopted).toBe(1);
        expect(report.orphansFound).toBe(0);
        const row = await readPodRow(getDb(), id);
        expect(row.state).toBe('failed');
        expect(row.volume_id).toBe(volume.id);
      });

      it('moves a ready pod whose volume was detached to stopped', async () => {
        const { app } = await start();
        const id = randomUUID();
        const volume = await createVolumeOf(id);
        await insertPodRow(
          getDb(),
          user,
          {
            state: 'ready',
            volumeId: volume.id,
            serverId: volume.serverId ?? '',
            devicePath: volume.devicePath,
          },
          id,
        );
        await under.provider.detach(volume.id);

        const report = await app.podLifecycle.reconciler.runOnce();

        expect(report.corrected).toBe(1);
        const row = await readPodRow(getDb(), id);
        expect(row.state).toBe('stopped');
        expect(row.server_id).toBeNull();
      });

      it('fails a pod whose volume disappeared', async () => {
        const { app } = await start();
        const id = randomUUID();
        const volume = await createVolumeOf(id);
        await insertPodRow(getDb(), user, { state: 'stopped', volumeId: volume.id }, id);
        await under.provider.delete(volume.id);

        const report = await app.podLifecycle.reconciler.runOnce();

        expect(report.corrected).toBe(1);
        const row = await readPodRow(getDb(), id);
        expect(row.state).toBe('failed');
        expect(row.failure_code).toBe('volume_missing');
      });
    });
  }
});
