import { randomUUID } from 'node:crypto';
import { MasterKeyring } from '@skillancer/phi-crypto';
import { createPhiStore } from '@skillancer/phi-store';
import { forEachEngine } from '@skillancer/testing/database';
import { describe, expect, it } from 'vitest';
import { AuditTrailPodEventSink, RECONCILER_ACTOR } from '../src/events/audit-pod-events.js';

forEachEngine('AuditTrailPodEventSink', (getDb) => {
  async function setup() {
    const db = getDb();
    const tenantId = randomUUID();
    await db.query("INSERT INTO tenants (id, name, kind) VALUES ($1, 'Pod audit', 'personal')", [tenantId]);
    const phi = createPhiStore({
      db,
      masterKeys: MasterKeyring.fromHex({ current: 'ab'.repeat(32), previous: [] }),
    });
    return { phi, tenantId, sink: new AuditTrailPodEventSink(phi.audit) };
  }

  describe('record', () => {
    it('appends pod events to the tenant chain', async () => {
      const { phi, tenantId, sink } = await setup();
      const podId = randomUUID();
      const userId = randomUUID();
      const createdAt = new Date('2025-03-01T10:00:00.123Z');
      await getDb().transaction(async (tx) => {
        await sink.record(
          {
            tenantId,
            actorUserId: userId,
            action: 'pod.created',
            podId,
            outcome: 'success',
            details: { sizeGb: 10, missing: undefined },
            occurredAt: createdAt,
          },
          { tx },
        );
        await sink.record(
          { tenantId, action: 'pod.ready', podId, outcome: 'success', details: {}, occurredAt: new Date() },
          { tx },
        );
      });
      const events = await phi.audit.listEvents(tenantId, { limit: 10 });

      expect(events.map((event) => event.action)).toEqual(['pod.ready', 'pod.created']);
      expect(events[1]?.actor).toEqual({ type: 'user', id: userId });
      expect(events[0]?.actor).toEqual(RECONCILER_ACTOR);
      expect(events[1]?.resource).toEqual({ type: 'skillpod', id: podId });
      expect(events[1]?.details).toEqual({ sizeGb: 10 });
      expect(events[1]?.occurredAt).toBe(createdAt.toISOString());
      phi.close();
    });

    it('writes nothing when the caller transaction rolls back', async () => {
      const { phi, tenantId, sink } = await setup();
      const event = {
        tenantId,
        action: 'pod.ready' as const,
        podId: randomUUID(),
        outcome: 'success' as const,
        details: {},
        occurredAt: new Date(),
      };

      const rolledBack = getDb().transaction(async (tx) => {
        await sink.record(event, { tx });
        throw new Error('the caller failed after recording');
      });

      await expect(rolledBack).rejects.toThrow('the caller failed after recording');
      expect(await phi.audit.listEvents(tenantId, { limit: 10 })).toEqual([]);
      phi.close();
    });
  });
});
