import { randomUUID } from 'node:crypto';
import { type Database, openPostgres } from '@skillancer/database';
import {
  type AuditEvent,
  appendAuditEvent,
  type ChainedAuditEvent,
  hashAuditEvent,
} from '@skillancer/phi-crypto';
import { createTestDatabase, forEachEngine, type TestDatabase } from '@skillancer/testing/database';
import { describe, expect, it } from 'vitest';
import { type AuditEventInput, AuditMacKeys, AuditTrail, isPhiStoreError } from '../src/index.js';
import { keyring, MASTER_KEY_HEX, OTHER_MASTER_KEY_HEX } from './support.js';

function trailOf(db: Database, masterKeyHex = MASTER_KEY_HEX): AuditTrail {
  return new AuditTrail(db, { macKeys: new AuditMacKeys(db, keyring(masterKeyHex)) });
}

function event(tenantId: string, purpose = 'treatment'): AuditEventInput {
  return {
    tenantId,
    actor: { type: 'user', id: 'user-1' },
    action: 'phi.decrypt',
    resource: { type: 'phi_record', id: randomUUID() },
    purpose,
    outcome: 'success',
    keyVersion: 1,
  };
}

function legacyEvent(tenantId: string, n: number): Omit<AuditEvent, 'sequence'> {
  return {
    tenantId,
    occurredAt: new Date(Date.UTC(2025, 0, 1, 0, 0, n)).toISOString(),
    actor: { type: 'user', id: `user-${n}` },
    action: 'phi.encrypt',
    resource: { type: 'phi_record', id: `record-${n}` },
    purpose: 'treatment',
    outcome: 'success',
    keyVersion: 1,
  };
}

/**
 * Writes a new tenant's chain of `count` plain SHA-256 events the way the previous release did:
 * without `mac_key_version`, with the head row beside it. Returns the tenant id.
 */
async function appendLegacyChain(db: Database, count: number): Promise<string> {
  const tenantId = randomUUID();
  const chain: ChainedAuditEvent[] = [];
  for (let n = 0; n < count; n += 1) {
    chain.push(appendAuditEvent(chain.at(-1) ?? null, legacyEvent(tenantId, n)));
  }
  for (const e of chain) {
    await db.query(
      `INSERT INTO phi_audit_events (tenant_id, sequence, occurred_at, actor_type, actor_id, action,
         resource_type, resource_id, purpose, outcome, key_version, previous_hash, hash)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
      [
        e.tenantId,
        e.sequence,
        e.occurredAt,
        e.actor.type,
        e.actor.id,
        e.action,
        e.resource.type,
        e.resource.id,
        e.purpose,
        e.outcome,
        e.keyVersion,
        e.previousHash,
        e.hash,
      ],
    );
  }
  await db.query('INSERT INTO phi_audit_chain_heads (tenant_id, sequence, hash) VALUES ($1, $2, $3)', [
    tenantId,
    count,
    chain.at(-1)?.hash,
  ]);
  return tenantId;
}

/** Runs `tamper` with the user triggers of the audit tables disabled, as the tables' owner could. */
async function withoutTriggers(db: Database, tamper: () => Promise<unknown>): Promise<void> {
  await db.query('ALTER TABLE phi_audit_events DISABLE TRIGGER USER');
  try {
    await tamper();
  } finally {
    await db.query('ALTER TABLE phi_audit_events ENABLE TRIGGER USER');
  }
}

/** Recomputes every hash of a tenant's chain in plain SHA-256 after changing event 1, and the head. */
async function rewritePlain(db: Database, tenantId: string): Promise<void> {
  const events = (await trailOf(db).listEvents(tenantId, { limit: 1000 })).reverse();
  let previousHash = '0'.repeat(64);
  await withoutTriggers(db, async () => {
    for (const stored of events) {
      const changed = { ...stored, purpose: stored.sequence === 1 ? 'marketing' : stored.purpose };
      const hash = hashAuditEvent(previousHash, changed);
      await db.query(
        `UPDATE phi_audit_events SET purpose = $3, previous_hash = $4, hash = $5, mac_key_version = NULL
          WHERE tenant_id = $1 AND sequence = $2`,
        [tenantId, stored.sequence, changed.purpose, previousHash, hash],
      );
      previousHash = hash;
    }
  });
  await db.query('UPDATE phi_audit_chain_heads SET hash = $2 WHERE tenant_id = $1', [tenantId, previousHash]);
}

async function countRows(
  db: Database,
  table: 'phi_audit_mac_keys' | 'phi_audit_unkeyed_prefixes',
): Promise<number> {
  const { rows } = await db.query<{ count: string }>(`SELECT count(*) AS count FROM ${table}`);
  return Number(rows[0]?.count);
}

forEachEngine('audit MAC key', (getDb, engine) => {
  /** Runs `work` on a database of its own, because the key is created once per database. */
  async function withFreshDatabase(work: (db: TestDatabase) => Promise<void>): Promise<void> {
    const db = await createTestDatabase(engine);
    try {
      await work(db);
    } finally {
      await db.close();
    }
  }

  describe('upgrade from plain SHA-256 chains', () => {
    it('verifies chains before the key exists', async () => {
      await withFreshDatabase(async (db) => {
        const tenantId = await appendLegacyChain(db, 3);

        expect(await trailOf(db).verifyChain(tenantId)).toMatchObject({ ok: true, verified: 3 });
        expect(await countRows(db, 'phi_audit_mac_keys')).toBe(0);
      });
    });

    it('keys events after an unkeyed prefix', async () => {
      await withFreshDatabase(async (db) => {
        const continued = await appendLegacyChain(db, 3);
        const untouched = await appendLegacyChain(db, 2);
        const trail = trailOf(db);
        await trail.append([event(continued), event(continued)]);
        const events = (await trail.listEvents(continued, { limit: 10 })).reverse();

        expect(events.map((e) => e.macKeyVersion)).toEqual([null, null, null, 1, 1]);
        expect(events[3]?.previousHash).toBe(events[2]?.hash);
        expect(await trail.verifyChain(continued)).toMatchObject({ ok: true, verified: 5 });
        expect(await trail.verifyChain(untouched)).toMatchObject({ ok: true, verified: 2 });
        expect(await trailOf(db).verifyChain(continued)).toMatchObject({ ok: true, verified: 5 });
        expect(await countRows(db, 'phi_audit_unkeyed_prefixes')).toBe(2);
      });
    });

    it('rejects plain events once the key exists', async () => {
      await withFreshDatabase(async (db) => {
        await trailOf(db).append(event(randomUUID()));

        await expect(appendLegacyChain(db, 1)).rejects.toThrow(/SQLSTATE P0001/);
      });
    });

    it('rejects a rewritten unkeyed prefix', async () => {
      await withFreshDatabase(async (db) => {
        const continued = await appendLegacyChain(db, 3);
        const untouched = await appendLegacyChain(db, 2);
        await trailOf(db).append(event(continued));
        await rewritePlain(db, continued);
        await rewritePlain(db, untouched);
        const trail = trailOf(db);

        expect(await trail.verifyChain(continued)).toMatchObject({
          ok: false,
          verified: 2,
          broken: { sequence: 3, reason: 'unkeyed_prefix_mismatch' },
        });
        expect(await trail.verifyChain(untouched)).toMatchObject({
          ok: false,
          verified: 1,
          broken: { sequence: 2, reason: 'unkeyed_prefix_mismatch' },
        });
      });
    });

    it('rejects a moved or deleted prefix seal', async () => {
      await withFreshDatabase(async (db) => {
        const moved = await appendLegacyChain(db, 3);
        const deleted = await appendLegacyChain(db, 3);
        await trailOf(db).append([event(moved), event(deleted)]);
        await db.query('UPDATE phi_audit_unkeyed_prefixes SET sequence = 4 WHERE tenant_id = $1', [moved]);
        await db.query('DELETE FROM phi_audit_unkeyed_prefixes WHERE tenant_id = $1', [deleted]);
        const trail = trailOf(db);

        expect(await trail.verifyChain(moved)).toMatchObject({
          ok: false,
          verified: 0,
          broken: { reason: 'unkeyed_prefix_mismatch' },
        });
        expect(await trail.verifyChain(deleted)).toMatchObject({
          ok: false,
          verified: 0,
          broken: { sequence: 1, reason: 'unkeyed_event' },
        });
      });
    });
  });

  describe('creation', () => {
    it('creates one key under concurrent first use', async () => {
      await withFreshDatabase(async (db) => {
        const legacy = [await appendLegacyChain(db, 2), await appendLegacyChain(db, 2)];
        const url = db.url;
        const writers: Database[] =
          engine === 'postgres' && url !== undefined
            ? Array.from({ length: 4 }, () => openPostgres({ url, poolSize: 2 }))
            : [db, db, db, db];
        const tenants = writers.map(() => randomUUID());
        try {
          await Promise.all(
            writers.map((writer, i) => {
              const trail = trailOf(writer);
              const own = tenants[i] ?? '';
              return Promise.all([
                trail.append(event(own)),
                trail.append([event(own), event(legacy[i % 2] ?? '')]),
              ]);
            }),
          );
        } finally {
          if (engine === 'postgres') {
            await Promise.all(writers.map((writer) => writer.close()));
          }
        }
        const trail = trailOf(db);

        expect(await countRows(db, 'phi_audit_mac_keys')).toBe(1);
        expect(await countRows(db, 'phi_audit_unkeyed_prefixes')).toBe(2);
        for (const tenantId of [...tenants, ...legacy]) {
          expect((await trail.verifyChain(tenantId)).ok).toBe(true);
        }
      });
    });

    it('survives a first use inside a rolled-back transaction', async () => {
      await withFreshDatabase(async (db) => {
        const tenantId = randomUUID();
        const trail = trailOf(db);
        await db
          .transaction(async (tx) => {
            await trail.append(event(tenantId), { tx });
            throw new Error('caller failed after the audit write');
          })
          .catch(() => undefined);

        // PostgreSQL creates the key in a transaction of its own; PGlite in the caller's.
        expect(await countRows(db, 'phi_audit_mac_keys')).toBe(engine === 'pglite' ? 0 : 1);
        await db.transaction((tx) => trail.append(event(tenantId), { tx }));
        await trail.append(event(tenantId));

        expect(await trailOf(db).verifyChain(tenantId)).toMatchObject({ ok: true, verified: 2 });
        expect(await countRows(db, 'phi_audit_mac_keys')).toBe(1);
      });
    });

    it('binds the wrapped key to its version', async () => {
      await withFreshDatabase(async (db) => {
        await trailOf(db).append(event(randomUUID()));
        await db.query(
          `INSERT INTO phi_audit_mac_keys (version, wrapped_key, master_key_id)
           SELECT 2, wrapped_key, master_key_id FROM phi_audit_mac_keys WHERE version = 1`,
        );
        const error = await new AuditMacKeys(db, keyring()).all().catch((e: unknown) => e);

        expect(isPhiStoreError(error, 'audit_key_unreadable')).toBe(true);
        expect((error as Error).message).toContain('audit MAC key version 2');
      });
    });
  });

  describe('master keys', () => {
    it('fails clearly when the master keys cannot unwrap the key', async () => {
      const db = getDb();
      const tenantId = randomUUID();
      await trailOf(db).append(event(tenantId));
      const stranger = trailOf(db, OTHER_MASTER_KEY_HEX);

      const verifyError = await stranger.verifyChain(tenantId).catch((e: unknown) => e);
      expect(isPhiStoreError(verifyError, 'audit_key_unreadable')).toBe(true);
      expect((verifyError as Error).message).toMatch(
        /^audit MAC key version 1 is wrapped by master key mk_[0-9a-f]{16} and cannot be unwrapped .*ENCRYPTION_MASTER_KEY/,
      );
      expect((verifyError as Error).message).not.toContain('\n');

      const appendError = await stranger.append(event(tenantId)).catch((e: unknown) => e);
      expect(isPhiStoreError(appendError, 'audit_key_unreadable')).toBe(true);
    });
  });
});
