import { randomBytes, randomUUID } from 'node:crypto';
import { type Database, openPostgres } from '@skillancer/database';
import { hashAuditEvent } from '@skillancer/phi-crypto';
import { forEachEngine } from '@skillancer/testing/database';
import { describe, expect, it } from 'vitest';
import { type AuditEventInput, AuditMacKeys, AuditTrail, isPhiStoreError } from '../src/index.js';
import { keyring } from './support.js';

function trailOf(db: Database): AuditTrail {
  return new AuditTrail(db, { macKeys: new AuditMacKeys(db, keyring()) });
}

function event(tenantId: string, overrides: Partial<AuditEventInput> = {}): AuditEventInput {
  return {
    tenantId,
    actor: { type: 'user', id: 'user-1' },
    action: 'phi.decrypt',
    resource: { type: 'phi_record', id: randomUUID() },
    purpose: 'treatment',
    outcome: 'success',
    keyVersion: 1,
    ...overrides,
  };
}

async function appendThree(trail: AuditTrail, tenantId: string): Promise<void> {
  await trail.append(event(tenantId, { action: 'phi.encrypt' }));
  await trail.append(event(tenantId, { action: 'phi.decrypt' }));
  await trail.append(event(tenantId, { action: 'phi.reveal', purpose: 'billing' }));
}

/** Runs `tamper` with the append-only triggers disabled, as an attacker with table ownership could. */
async function withoutTrigger(db: Database, tamper: () => Promise<unknown>): Promise<void> {
  await db.query('ALTER TABLE phi_audit_events DISABLE TRIGGER USER');
  try {
    await tamper();
  } finally {
    await db.query('ALTER TABLE phi_audit_events ENABLE TRIGGER USER');
  }
}

/**
 * Rewrites a tenant's events from `fromSequence` on, as a writer without the audit MAC key would.
 * The first event gets `purpose`. Every later hash and the head are recomputed with `key` (plain
 * SHA-256 when absent) and labelled `macKeyVersion`.
 */
async function forgeFrom(
  db: Database,
  tenantId: string,
  fromSequence: number,
  forgery: { purpose: string; key?: Buffer; macKeyVersion: number | null },
): Promise<void> {
  const events = await trailOf(db).listEvents(tenantId, { limit: 1000 });
  events.reverse();
  let previousHash = events[fromSequence - 2]?.hash ?? '0'.repeat(64);
  await withoutTrigger(db, async () => {
    for (const event of events.slice(fromSequence - 1)) {
      const changed = {
        ...event,
        purpose: event.sequence === fromSequence ? forgery.purpose : event.purpose,
      };
      const hash = hashAuditEvent(
        previousHash,
        changed,
        forgery.key === undefined ? {} : { key: forgery.key },
      );
      await db.query(
        `UPDATE phi_audit_events SET purpose = $3, previous_hash = $4, hash = $5, mac_key_version = $6
          WHERE tenant_id = $1 AND sequence = $2`,
        [tenantId, event.sequence, changed.purpose, previousHash, hash, forgery.macKeyVersion],
      );
      previousHash = hash;
    }
    await db.query('UPDATE phi_audit_chain_heads SET hash = $2 WHERE tenant_id = $1', [
      tenantId,
      previousHash,
    ]);
  });
}

forEachEngine('audit trail', (getDb, engine) => {
  describe('append', () => {
    it('numbers and links events per tenant', async () => {
      const trail = trailOf(getDb());
      const tenantA = randomUUID();
      const tenantB = randomUUID();
      const stored = await trail.append([event(tenantA), event(tenantB), event(tenantA)]);

      expect(stored.map((e) => [e.tenantId, e.sequence])).toEqual([
        [tenantA, 1],
        [tenantB, 1],
        [tenantA, 2],
      ]);
      expect(stored[2]?.previousHash).toBe(stored[0]?.hash);
      expect(await trail.head(tenantA)).toEqual({ tenantId: tenantA, sequence: 2, hash: stored[2]?.hash });
      expect((await trail.verifyChain(tenantA)).ok).toBe(true);
      expect((await trail.verifyChain(tenantB)).ok).toBe(true);
    });

    it('stores details apart from the hash', async () => {
      const trail = trailOf(getDb());
      const tenantId = randomUUID();
      await trail.append(event(tenantId, { details: { recordsDeleted: 3, keys: ['data:1'] } }));
      const [listed] = await trail.listEvents(tenantId, { limit: 10 });

      expect(listed?.details).toEqual({ recordsDeleted: 3, keys: ['data:1'] });
    });

    it('rejects oversized details', async () => {
      const trail = trailOf(getDb());
      const error = await trail
        .append(event(randomUUID(), { details: { note: 'x'.repeat(20_000) } }))
        .catch((e: unknown) => e);

      expect(isPhiStoreError(error, 'invalid_argument')).toBe(true);
    });

    it('joins the caller transaction and rolls back with it', async () => {
      const db = getDb();
      const trail = trailOf(db);
      const tenantId = randomUUID();
      await db
        .transaction(async (tx) => {
          await trail.append(event(tenantId), { tx });
          throw new Error('caller failed after the audit write');
        })
        .catch(() => undefined);

      expect(await trail.head(tenantId)).toBeNull();
      expect(await trail.listEvents(tenantId, { limit: 10 })).toEqual([]);
    });

    it('reports a failed write as audit_write_failed', async () => {
      const trail = trailOf(getDb());
      const error = await trail
        .append(event(randomUUID(), { outcome: 'success', keyVersion: 1 }), {
          tx: {
            query: async () => {
              throw new Error('connection lost');
            },
          },
        })
        .catch((e: unknown) => e);

      expect(isPhiStoreError(error, 'audit_write_failed')).toBe(true);
    });
  });

  describe('list', () => {
    it('pages newest first', async () => {
      const trail = trailOf(getDb());
      const tenantId = randomUUID();
      for (let i = 0; i < 5; i += 1) {
        await trail.append(event(tenantId));
      }
      const first = await trail.listEvents(tenantId, { limit: 2 });
      const second = await trail.listEvents(tenantId, { limit: 2, beforeSequence: first[1]?.sequence });

      expect(first.map((e) => e.sequence)).toEqual([5, 4]);
      expect(second.map((e) => e.sequence)).toEqual([3, 2]);
    });
  });

  describe('database protection', () => {
    it('rejects UPDATE, DELETE and TRUNCATE', async () => {
      const db = getDb();
      const tenantId = randomUUID();
      await trailOf(db).append(event(tenantId));

      await expect(
        db.query("UPDATE phi_audit_events SET purpose = 'other' WHERE tenant_id = $1", [tenantId]),
      ).rejects.toThrow(/SQLSTATE P0001/);
      await expect(db.query('DELETE FROM phi_audit_events WHERE tenant_id = $1', [tenantId])).rejects.toThrow(
        /SQLSTATE P0001/,
      );
      await expect(db.query('TRUNCATE phi_audit_events')).rejects.toThrow(/SQLSTATE P0001/);
      expect(await trailOf(db).listEvents(tenantId, { limit: 5 })).toHaveLength(1);
    });
  });

  describe('tamper detection', () => {
    it('detects an edited event', async () => {
      const db = getDb();
      const trail = trailOf(db);
      const tenantId = randomUUID();
      await appendThree(trail, tenantId);
      await withoutTrigger(db, () =>
        db.query("UPDATE phi_audit_events SET action = 'phi.read' WHERE tenant_id = $1 AND sequence = 2", [
          tenantId,
        ]),
      );
      const result = await trail.verifyChain(tenantId);

      expect(result.ok).toBe(false);
      expect(result.ok ? undefined : result.broken.reason).toBe('hash_mismatch');
      expect(result.ok ? undefined : result.broken.sequence).toBe(2);
    });

    it('detects a time moved by one millisecond', async () => {
      const db = getDb();
      const trail = trailOf(db);
      const tenantId = randomUUID();
      await appendThree(trail, tenantId);
      await withoutTrigger(db, () =>
        db.query(
          "UPDATE phi_audit_events SET occurred_at = occurred_at + interval '1 millisecond' WHERE tenant_id = $1 AND sequence = 1",
          [tenantId],
        ),
      );
      const result = await trail.verifyChain(tenantId);

      expect(result.ok ? undefined : result.broken.reason).toBe('hash_mismatch');
    });

    it('detects reordered events', async () => {
      const db = getDb();
      const trail = trailOf(db);
      const tenantId = randomUUID();
      await appendThree(trail, tenantId);
      await withoutTrigger(db, async () => {
        await db.query('UPDATE phi_audit_events SET sequence = 100 WHERE tenant_id = $1 AND sequence = 2', [
          tenantId,
        ]);
        await db.query('UPDATE phi_audit_events SET sequence = 2 WHERE tenant_id = $1 AND sequence = 3', [
          tenantId,
        ]);
        await db.query('UPDATE phi_audit_events SET sequence = 3 WHERE tenant_id = $1 AND sequence = 100', [
          tenantId,
        ]);
      });
      const result = await trail.verifyChain(tenantId);

      expect(result.ok ? undefined : result.broken.reason).toBe('previous_hash_mismatch');
      expect(result.ok ? undefined : result.broken.sequence).toBe(2);
    });

    it('detects a deleted middle event', async () => {
      const db = getDb();
      const trail = trailOf(db);
      const tenantId = randomUUID();
      await appendThree(trail, tenantId);
      await withoutTrigger(db, () =>
        db.query('DELETE FROM phi_audit_events WHERE tenant_id = $1 AND sequence = 2', [tenantId]),
      );
      const result = await trail.verifyChain(tenantId);

      expect(result.ok ? undefined : result.broken.reason).toBe('sequence_gap');
      expect(result.verified).toBe(1);
    });

    it('detects a deleted last event', async () => {
      const db = getDb();
      const trail = trailOf(db);
      const tenantId = randomUUID();
      await appendThree(trail, tenantId);
      await withoutTrigger(db, () =>
        db.query('DELETE FROM phi_audit_events WHERE tenant_id = $1 AND sequence = 3', [tenantId]),
      );
      const result = await trail.verifyChain(tenantId);

      expect(result.ok ? undefined : result.broken.reason).toBe('head_mismatch');
    });

    it('detects events left without a head row', async () => {
      const db = getDb();
      const trail = trailOf(db);
      const tenantId = randomUUID();
      await appendThree(trail, tenantId);
      await db.query('DELETE FROM phi_audit_chain_heads WHERE tenant_id = $1', [tenantId]);
      const result = await trail.verifyChain(tenantId);

      expect(result.ok ? undefined : result.broken.reason).toBe('head_mismatch');
    });

    it('stores HMACs under the audit MAC key', async () => {
      const db = getDb();
      const tenantId = randomUUID();
      await appendThree(trailOf(db), tenantId);
      const [newest] = await trailOf(db).listEvents(tenantId, { limit: 1 });
      const { version, key } = await new AuditMacKeys(db, keyring()).current();
      if (newest === undefined) {
        throw new Error('no event was stored');
      }

      expect(newest.macKeyVersion).toBe(version);
      expect(newest.hash).toBe(hashAuditEvent(newest.previousHash, newest, { key }));
      expect(newest.hash).not.toBe(hashAuditEvent(newest.previousHash, newest));
    });

    for (const fromSequence of [1, 2]) {
      it(`rejects a plain SHA-256 rewrite from sequence ${fromSequence}`, async () => {
        const db = getDb();
        const tenantId = randomUUID();
        await appendThree(trailOf(db), tenantId);
        await forgeFrom(db, tenantId, fromSequence, { purpose: 'marketing', macKeyVersion: null });
        const result = await trailOf(db).verifyChain(tenantId);

        expect(result.ok).toBe(false);
        expect(result.ok ? undefined : result.broken.reason).toBe('unkeyed_event');
        expect(result.ok ? undefined : result.broken.sequence).toBe(fromSequence);
      });
    }

    it('rejects a keyed rewrite under a guessed key', async () => {
      const db = getDb();
      const tenantId = randomUUID();
      await appendThree(trailOf(db), tenantId);
      await forgeFrom(db, tenantId, 2, { purpose: 'marketing', key: randomBytes(32), macKeyVersion: 1 });
      const result = await trailOf(db).verifyChain(tenantId);

      expect(result.ok ? undefined : result.broken.reason).toBe('hash_mismatch');
      expect(result.ok ? undefined : result.broken.sequence).toBe(2);
    });

    it('rejects a plain event appended after keyed ones', async () => {
      const db = getDb();
      const trail = trailOf(db);
      const tenantId = randomUUID();
      await appendThree(trail, tenantId);
      const [last] = await trail.listEvents(tenantId, { limit: 1 });
      const appended = { ...(last as NonNullable<typeof last>), sequence: 4, purpose: 'marketing' };
      const hash = hashAuditEvent(last?.hash ?? '', appended);
      await withoutTrigger(db, async () => {
        await db.query(
          `INSERT INTO phi_audit_events (tenant_id, sequence, occurred_at, actor_type, actor_id, action,
             resource_type, resource_id, purpose, outcome, key_version, previous_hash, hash)
           SELECT tenant_id, 4, occurred_at, actor_type, actor_id, action, resource_type, resource_id,
                  $2, outcome, key_version, $3, $4
             FROM phi_audit_events WHERE tenant_id = $1 AND sequence = 3`,
          [tenantId, appended.purpose, last?.hash, hash],
        );
        await db.query('UPDATE phi_audit_chain_heads SET sequence = 4, hash = $2 WHERE tenant_id = $1', [
          tenantId,
          hash,
        ]);
      });
      const result = await trail.verifyChain(tenantId);

      expect(result.ok ? undefined : result.broken.reason).toBe('unkeyed_event');
      expect(result.ok ? undefined : result.broken.sequence).toBe(4);
      expect(result.verified).toBe(3);
    });

    it('rejects a plain event while the trigger is on', async () => {
      const db = getDb();
      const tenantId = randomUUID();
      await appendThree(trailOf(db), tenantId);

      await expect(
        db.query(
          `INSERT INTO phi_audit_events (tenant_id, sequence, occurred_at, actor_type, actor_id, action,
             resource_type, resource_id, purpose, outcome, previous_hash, hash)
           VALUES ($1, 4, now(), 'user', 'u', 'phi.read', 'phi_record', 'r', 'treatment', 'success', $2, $2)`,
          [tenantId, 'a'.repeat(64)],
        ),
      ).rejects.toThrow(/SQLSTATE P0001/);
    });
  });

  describe.runIf(engine === 'postgres')('concurrent writers', () => {
    it('keeps one linear chain across connection pools', async () => {
      const url = getDb().url;
      if (url === undefined) {
        throw new Error('the PostgreSQL test database has no URL');
      }
      const pools = Array.from({ length: 4 }, () => openPostgres({ url, poolSize: 4 }));
      const tenantId = randomUUID();
      try {
        const writers = pools.map((pool, writer) => {
          const trail = trailOf(pool);
          return Promise.all(
            Array.from({ length: 40 }, (_, i) =>
              i % 10 === 0
                ? trail.append([event(tenantId), event(tenantId), event(randomUUID())])
                : trail.append(event(tenantId, { actor: { type: 'user', id: `writer-${writer}` } })),
            ),
          );
        });
        await Promise.all(writers);
      } finally {
        await Promise.all(pools.map((pool) => pool.close()));
      }
      const trail = trailOf(getDb());
      const expected = 4 * (36 + 4 * 2);
      const result = await trail.verifyChain(tenantId);
      const { rows } = await getDb().query<{ count: string; max: string }>(
        'SELECT count(*) AS count, max(sequence) AS max FROM phi_audit_events WHERE tenant_id = $1',
        [tenantId],
      );

      expect(result.ok).toBe(true);
      expect(result.verified).toBe(expected);
      expect(Number(rows[0]?.count)).toBe(expected);
      expect(Number(rows[0]?.max)).toBe(expected);
    });
  });
});
