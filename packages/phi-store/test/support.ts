import { randomUUID } from 'node:crypto';
import type { Database } from '@skillancer/database';
import { MasterKey, MasterKeyring } from '@skillancer/phi-crypto';
import { createPhiStore, type PhiStore } from '../src/index.js';

export const MASTER_KEY_HEX = '11'.repeat(32);
export const OTHER_MASTER_KEY_HEX = '22'.repeat(32);
export const ACTOR = { type: 'user', id: 'operator-1' } as const;

export function keyring(current = MASTER_KEY_HEX, previous: string[] = []): MasterKeyring {
  return new MasterKeyring(
    MasterKey.fromHex(current),
    previous.map((hex) => MasterKey.fromHex(hex)),
  );
}

/** Creates a clock the test moves by hand. */
export function manualClock(start = Date.parse('2025-06-01T12:00:00.000Z')) {
  let now = start;
  return {
    now: () => now,
    advanceHours: (hours: number) => {
      now += hours * 3_600_000;
    },
  };
}

export function testStore(
  db: Database,
  options: { masterKeys?: MasterKeyring; clock?: () => number; keyCacheTtlMs?: number } = {},
): PhiStore {
  return createPhiStore({
    db,
    masterKeys: options.masterKeys ?? keyring(),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.keyCacheTtlMs === undefined ? {} : { keyCacheTtlMs: options.keyCacheTtlMs }),
  });
}

/** Inserts a tenant (and optionally an owner) directly, as auth-svc's registration would. */
export async function insertTenant(
  db: Database,
  kind: 'personal' | 'organization' = 'organization',
): Promise<{ tenantId: string; userId: string }> {
  const tenantId = randomUUID();
  const userId = randomUUID();
  await db.query("INSERT INTO tenants (id, name, kind) VALUES ($1, 'Test tenant', $2)", [tenantId, kind]);
  await db.query(
    "INSERT INTO users (id, email, password_hash, display_name) VALUES ($1, $2, 'hash', 'Test user')",
    [userId, `u-${userId}@example.com`],
  );
  await db.query("INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, 'owner')", [
    tenantId,
    userId,
  ]);
  return { tenantId, userId };
}
