import type { Queryable } from '@skillancer/database';
import { MasterKeyring } from '@skillancer/phi-crypto';
import { createPhiStore, type PhiStore } from '@skillancer/phi-store';
import { forEachEngine } from '@skillancer/testing/database';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AuditTrailPodEventSink } from '../src/events/audit-pod-events.js';
import type { DeliveredPodEvent, PodEvent, PodEventAction, PodEventSink } from '../src/events/pod-events.js';
import { insertPodRow, readPodRow } from './pod-rows.js';
import {
  buildTestApp,
  createPod,
  deletePod,
  IDENTITY_MASTER_KEY_HEX,
  localProvider,
  podAction,
  settledPod,
  startIdentity,
  type TestApp,
  type TestIdentity,
  type TestUser,
} from './support.js';

/**
 * The production audit sink with switches for the failures the outbox must survive. `fail_before`
 * throws before anything is written, as a process that crashed between the commit and the audit
 * write would. `fail_after_write` appends the event and then throws, so only the rollback of the
 * delivery transaction keeps the event out of the trail while its outbox row stays.
 */
class SwitchableAuditSink implements PodEventSink {
  mode: 'deliver' | 'fail_before' | 'fail_after_write' = 'deliver';
  /** When set, only events with this action fail. */
  failingAction: PodEventAction | null = null;
  readonly #inner: AuditTrailPodEventSink;

  constructor(phi: PhiStore) {
    this.#inner = new AuditTrailPodEventSink(phi.audit);
  }

  async record(event: DeliveredPodEvent, options: { tx: Queryable }): Promise<void> {
    const fails = this.mode !== 'deliver' && (this.failingAction ?? event.action) === event.action;
    if (fails && this.mode === 'fail_before') throw new Error('injected audit failure before the write');
    await this.#inner.record(event, options);
    if (fails) throw new Error('injected audit failure after the write');
  }
}

/** Returns the value of the first sample whose line starts with `prefix` (name and leading labels). */
function metricValue(text: string, prefix: string): number {
  const line = text.split('\n').find((candidate) => candidate.startsWith(prefix));
  if (line === undefined) throw new Error(`no sample starts with ${prefix}`);
  return Number(line.slice(line.lastIndexOf(' ') + 1));
}

forEachEngine('pod audit outbox', (getDb) => {
  let identity: TestIdentity;
  let user: TestUser;
  let phi: PhiStore;
  let volumes: Awaited<ReturnType<typeof localProvider>>;
  const apps: TestApp[] = [];

  beforeAll(async () => {
    identity = await startIdentity(getDb());
    user = await identity.register();
    phi = createPhiStore({
      db: getDb(),
      masterKeys: MasterKeyring.fromHex({ current: IDENTITY_MASTER_KEY_HEX, previous: [] }),
    });
    // Loads this store's audit MAC key outside a transaction, so the concurrent deliveries below,
    // which hold every connection of the test pool, never need a second connection to load it.
    await phi.audit.append({
      tenantId: user.tenantId,
      actor: { type: 'system', id: 'audit-outbox-test' },
      action: 'test.setup',
      resource: { type: 'test', id: 'audit-outbox' },
      purpose: 'testing',
      outcome: 'success',
    });
  });
  afterAll(async () => {
    phi?.close();
    await identity?.close();
  });
  beforeEach(async () => {
    await getDb().query('DELETE FROM pod_audit_outbox');
    volumes = await localProvider();
  });
  afterEach(async () => {
    for (const test of apps.splice(0)) await test.app.close();
    await volumes.cleanup();
  });

  /**
   * Builds a replica of skillpod-svc on the shared database whose pod events go to `sink`, and waits
   * for its start-up drain, so that the drain does not race the test's own steps.
   */
  async function replica(sink: PodEventSink, captureLogs = false): Promise<TestApp> {
    const test = await buildTestApp({ db: getDb(), identity, provider: volumes.provider, sink, captureLogs });
    apps.push(test);
    const runs = test.metrics.registry.getSingleMetric('skillpod_audit_outbox_drain_runs_total');
    if (runs === undefined) throw new Error('the app registered no audit outbox drain metric');
    const deadline = Date.now() + 5_000;
    while ((await runs.get()).values.every((sample) => sample.value === 0) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return test;
  }

  /** Runs one drain of the replica, waiting while another run holds the drain lock. */
  async function drain(test: TestApp) {
    for (;;) {
      const report = await test.app.podLifecycle.outboxDrainer.runOnce();
      if (!report.skipped) return report;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** Returns the pod's events in the tenant's audit chain, in chain order, as `action:outcome`. */
  async function auditedActions(podId: string): Promise<string[]> {
    const actions: string[] = [];
    for await (const event of phi.audit.iterateEvents(user.tenantId)) {
      if (event.resource.type === 'skillpod' && event.resource.id === podId) {
        actions.push(`${event.action}:${event.outcome}`);
      }
    }
    return actions;
  }

  async function outboxActions(podId: string): Promise<string[]> {
    const { rows } = await getDb().query<{ action: string }>(
      'SELECT action FROM pod_audit_outbox WHERE pod_id = $1 ORDER BY id',
      [podId],
    );
    return rows.map((row) => row.action);
  }

  async function createSettledPod(test: TestApp): Promise<string> {
    const response = await createPod(test.app, user);
    expect(response.statusCode).toBe(202);
    const id = response.json().id as string;
    expect((await settledPod(test.app, user, id)).state).toBe('ready');
    return id;
  }

  it('keeps the pod name out of the audit trail', async () => {
    const test = await replica(new AuditTrailPodEventSink(phi.audit));
    const name = 'notes-for-patient-jane-roe';

    const response = await createPod(test.app, user, { name });
    const id = response.json().id as string;
    await settledPod(test.app, user, id);
    await drain(test);
    const events = [];
    for await (const event of phi.audit.iterateEvents(user.tenantId)) {
      if (event.resource.id === id) events.push(event);
    }

    expect(response.statusCode).toBe(202);
    expect(events.map((event) => event.action)).toEqual(['pod.created', 'pod.ready']);
    expect(events[0]?.details).toEqual({ sizeGb: expect.any(Number), location: expect.any(String) });
    expect(JSON.stringify(events)).not.toContain(name);
  });

  describe('crash between commit and audit write', () => {
    it('keeps the events in the outbox', async () => {
      const sink = new SwitchableAuditSink(phi);
      sink.mode = 'fail_before';
      const test = await replica(sink);

      const id = await createSettledPod(test);

      expect(await outboxActions(id)).toEqual(['pod.created', 'pod.ready']);
      expect(await auditedActions(id)).toEqual([]);
    });

    it('delivers each left event exactly once on drain', async () => {
      const sink = new SwitchableAuditSink(phi);
      sink.mode = 'fail_before';
      const test = await replica(sink);
      const id = await createSettledPod(test);

      sink.mode = 'deliver';
      const report = await drain(test);
      await drain(test);

      expect(report.pending).toBe(0);
      expect(await auditedActions(id)).toEqual(['pod.created:success', 'pod.ready:success']);
      expect(await outboxActions(id)).toEqual([]);
      expect((await phi.audit.verifyChain(user.tenantId)).ok).toBe(true);
    });

    it('lets another replica deliver at start-up', async () => {
      const crashed = new SwitchableAuditSink(phi);
      crashed.mode = 'fail_before';
      const first = await replica(crashed);
      const id = await createSettledPod(first);
      await first.app.close();
      apps.splice(apps.indexOf(first), 1);

      await replica(new SwitchableAuditSink(phi));

      expect(await outboxActions(id)).toEqual([]);
      expect(await auditedActions(id)).toEqual(['pod.created:success', 'pod.ready:success']);
    });
  });

  describe('concurrent delivery', () => {
    it('delivers each row once across two replicas', async () => {
      const sinkA = new SwitchableAuditSink(phi);
      const sinkB = new SwitchableAuditSink(phi);
      sinkA.mode = 'fail_before';
      sinkB.mode = 'fail_before';
      const a = await replica(sinkA);
      const b = await replica(sinkB);
      const ids: string[] = [];
      for (let index = 0; index < 4; index += 1) ids.push(await createSettledPod(a));
      expect(await outboxActions(ids[0] as string)).toEqual(['pod.created', 'pod.ready']);
      sinkA.mode = 'deliver';
      sinkB.mode = 'deliver';

      const [first] = ids as [string];
      await Promise.all([
        a.app.podLifecycle.outbox.drain(),
        b.app.podLifecycle.outbox.drain(),
        a.app.podLifecycle.outboxDrainer.runOnce(),
        b.app.podLifecycle.outboxDrainer.runOnce(),
        a.app.podLifecycle.outbox.deliver(first, 'immediate'),
        b.app.podLifecycle.outbox.deliver(first, 'immediate'),
      ]);

      for (const id of ids) {
        expect(await auditedActions(id)).toEqual(['pod.created:success', 'pod.ready:success']);
        expect(await outboxActions(id)).toEqual([]);
      }
      expect((await phi.audit.verifyChain(user.tenantId)).ok).toBe(true);
    });
  });

  describe('order', () => {
    it('holds back later events behind a failed one', async () => {
      const sink = new SwitchableAuditSink(phi);
      sink.mode = 'fail_after_write';
      sink.failingAction = 'pod.created';
      const test = await replica(sink);

      const id = await createSettledPod(test);

      expect(await auditedActions(id)).toEqual([]);
      expect(await outboxActions(id)).toEqual(['pod.created', 'pod.ready']);
    });

    it('keeps the pod order of every event', async () => {
      const sink = new SwitchableAuditSink(phi);
      sink.mode = 'fail_after_write';
      sink.failingAction = 'pod.created';
      const test = await replica(sink);
      const id = await createSettledPod(test);
      sink.mode = 'deliver';

      expect((await podAction(test.app, user, id, { action: 'stop' })).statusCode).toBe(202);
      await settledPod(test.app, user, id);
      expect((await podAction(test.app, user, id, { action: 'start' })).statusCode).toBe(202);
      await settledPod(test.app, user, id);
      expect((await podAction(test.app, user, id, { action: 'resize', sizeGb: 20 })).statusCode).toBe(202);
      await settledPod(test.app, user, id);
      expect((await deletePod(test.app, user, id)).statusCode).toBe(202);
      await settledPod(test.app, user, id);

      expect(await auditedActions(id)).toEqual([
        'pod.created:success',
        'pod.ready:success',
        'pod.stopped:success',
        'pod.started:success',
        'pod.resized:success',
        'pod.deleted:success',
      ]);
      expect(await outboxActions(id)).toEqual([]);
    });
  });

  describe('audit append failure', () => {
    it('leaves the rows for the next drain', async () => {
      const sink = new SwitchableAuditSink(phi);
      sink.mode = 'fail_after_write';
      const test = await replica(sink, true);
      const id = await createSettledPod(test);

      const failed = await drain(test);

      expect(failed.failedPods).toBe(1);
      expect(failed.delivered).toBe(0);
      expect(failed.pending).toBe(2);
      expect(await auditedActions(id)).toEqual([]);
      expect(await outboxActions(id)).toEqual(['pod.created', 'pod.ready']);

      sink.mode = 'deliver';
      const delivered = await drain(test);

      expect(delivered.delivered).toBe(2);
      expect(delivered.pending).toBe(0);
      expect(await auditedActions(id)).toEqual(['pod.created:success', 'pod.ready:success']);
      expect(await outboxActions(id)).toEqual([]);
      expect((await phi.audit.verifyChain(user.tenantId)).ok).toBe(true);
    });

    it('counts the failures and logs them with ids only', async () => {
      const sink = new SwitchableAuditSink(phi);
      sink.mode = 'fail_before';
      const test = await replica(sink, true);
      const id = await createSettledPod(test);
      await drain(test);

      const text = await test.metrics.registry.metrics();
      expect(
        metricValue(text, 'skillpod_audit_outbox_deliveries_total{trigger="immediate",outcome="failed"'),
      ).toBe(3);
      expect(
        metricValue(text, 'skillpod_audit_outbox_deliveries_total{trigger="drain",outcome="failed"'),
      ).toBeGreaterThanOrEqual(2);
      expect(metricValue(text, 'skillpod_audit_outbox_pending_events')).toBe(2);
      expect(metricValue(text, 'skillpod_audit_outbox_oldest_pending_seconds')).toBeGreaterThanOrEqual(0);

      const failures = test.logLines.filter(
        (line) =>
          line.msg === 'delivering pod audit events failed; they stay in the outbox for the next drain',
      );
      const drainFailure = failures.find((line) => line.trigger === 'drain');
      expect(drainFailure?.level).toBe(50);
      expect(drainFailure?.podId).toBe(id);
      expect(drainFailure?.tenantId).toBe(user.tenantId);
      expect(drainFailure?.outboxIds).toHaveLength(2);
      expect(failures.some((line) => line.trigger === 'immediate' && line.level === 40)).toBe(true);
      const allowed = new Set([
        'level',
        'time',
        'service',
        'component',
        'msg',
        'err',
        'trigger',
        'podId',
        'tenantId',
        'outboxIds',
      ]);
      for (const line of failures) {
        expect(Object.keys(line).filter((key) => !allowed.has(key))).toEqual([]);
      }
    });
  });

  describe('commit', () => {
    it('rolls the state change back when the event cannot be stored', async () => {
      const test = await replica(new SwitchableAuditSink(phi));
      const id = await insertPodRow(getDb(), user, { state: 'ready' });
      const invalid = {
        tenantId: user.tenantId,
        action: 'pod.stopped',
        podId: id,
        outcome: 'denied',
        details: {},
      } as unknown as PodEvent;

      const change = test.app.podLifecycle.outbox.commit(async (tx) => {
        await tx.query("UPDATE pods SET state = 'stopped' WHERE id = $1", [id]);
        return { value: undefined, event: invalid };
      });

      await expect(change).rejects.toThrow();
      expect((await readPodRow(getDb(), id)).state).toBe('ready');
      expect(await outboxActions(id)).toEqual([]);
    });
  });
});
