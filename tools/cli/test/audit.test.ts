import { hashAuditEvent, MasterKeyring } from '@skillancer/phi-crypto';
import { AuditMacKeys, AuditTrail } from '@skillancer/phi-store';
import { createTestDatabase, type TestDatabase } from '@skillancer/testing/database';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SeededRecord, seedPhi } from './phi-fixtures.js';
import { runCli } from './support.js';

const MASTER_KEY = '5a'.repeat(32);

let db: TestDatabase;
let records: SeededRecord[];

beforeAll(async () => {
  db = await createTestDatabase('pglite');
  records = await seedPhi(db, MASTER_KEY, { tenants: 3, records: 1 });
});

afterAll(async () => {
  await db?.close();
});

function verify(argv: string[] = [], masterKey = MASTER_KEY) {
  // The audit MAC key is wrapped by the master key, so verifying needs it.
  return runCli(
    ['audit', 'verify', ...argv],
    { NODE_ENV: 'test', ENCRYPTION_MASTER_KEY: masterKey },
    { database: db },
  );
}

/** Runs SQL on phi_audit_events with its append-only triggers disabled, as an attacker with the database could. */
async function tamper(sql: string, params: unknown[]): Promise<void> {
  await db.query('ALTER TABLE phi_audit_events DISABLE TRIGGER USER');
  try {
    await db.query(sql, params);
  } finally {
    await db.query('ALTER TABLE phi_audit_events ENABLE TRIGGER USER');
  }
}

describe('skillancer audit verify', () => {
  it('verifies intact chains', async () => {
    const run = await verify();
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^All \d+ audit chain\(s\) verify \(\d+ event\(s\)\)\.$/m);
  });

  it('rejects an unknown tenant id', async () => {
    const run = await verify(['--tenant', '00000000-0000-0000-0000-000000000000']);

    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^Unknown tenant id\(s\): 00000000-0000-0000-0000-000000000000;/m);
  });

  it('prints JSON', async () => {
    const run = await verify(['--json']);
    const summary = JSON.parse(run.stdout) as { brokenChains: number; chainsVerified: number };
    expect(summary.brokenChains).toBe(0);
    expect(summary.chainsVerified).toBeGreaterThanOrEqual(3);
  });

  it('finds an edited event', async () => {
    const victim = records[0]?.tenantId ?? '';
    await tamper("UPDATE phi_audit_events SET purpose = 'marketing' WHERE tenant_id = $1 AND sequence = 1", [
      victim,
    ]);
    const run = await verify();
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      new RegExp(`^BROKEN  tenant ${victim}: first broken link at sequence 1 \\(hash_mismatch\\)`, 'm'),
    );
    expect(run.stdout).toMatch(/^1 of \d+ audit chain\(s\) are broken/m);

    const other = records.find((record) => record.tenantId !== victim)?.tenantId ?? '';
    const scoped = await verify(['--tenant', other]);
    expect(scoped.code).toBe(0);
    expect(scoped.stdout).toContain('All 1 audit chain(s) verify');
  });

  it('finds a deleted last event', async () => {
    const victim = records[2]?.tenantId ?? '';
    await tamper(
      'DELETE FROM phi_audit_events WHERE tenant_id = $1 AND sequence = (SELECT max(sequence) FROM phi_audit_events WHERE tenant_id = $1)',
      [victim],
    );
    const run = await verify(['--tenant', victim]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(new RegExp(`^BROKEN  tenant ${victim}: .*\\(head_mismatch\\)`, 'm'));
  });

  it('finds an event rehashed in plain SHA-256', async () => {
    const victim = records[1]?.tenantId ?? '';
    const macKeys = new AuditMacKeys(db, MasterKeyring.fromHex({ current: MASTER_KEY }));
    const [newest] = await new AuditTrail(db, { macKeys }).listEvents(victim, { limit: 1 });
    if (newest === undefined) throw new Error('the seeded tenant has no audit event');
    // Without the audit MAC key, the best a forger can do is plain SHA-256 and a matching head.
    const forged = { ...newest, purpose: 'marketing' };
    const hash = hashAuditEvent(forged.previousHash, forged);
    await tamper(
      "UPDATE phi_audit_events SET purpose = 'marketing', hash = $3, mac_key_version = NULL WHERE tenant_id = $1 AND sequence = $2",
      [victim, newest.sequence, hash],
    );
    await db.query('UPDATE phi_audit_chain_heads SET hash = $2 WHERE tenant_id = $1', [victim, hash]);
    const run = await verify(['--tenant', victim]);

    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      new RegExp(
        `^BROKEN  tenant ${victim}: first broken link at sequence ${newest.sequence} \\(unkeyed_event\\)`,
        'm',
      ),
    );
  });

  it('fails on an unreadable audit MAC key', async () => {
    const run = await verify([], '6b'.repeat(32));

    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /^cannot verify the audit trail: audit MAC key version 1 is wrapped by master key mk_[0-9a-f]{16} and cannot be unwrapped .*ENCRYPTION_MASTER_KEY.*\n$/,
    );
    expect(run.stderr.split('\n')).toHaveLength(2);
    expect(run.stdout).not.toContain('BROKEN');
  });

  it('says when no audit MAC key is stored', async () => {
    const empty = await createTestDatabase('pglite');
    try {
      const run = await runCli(
        ['audit', 'verify'],
        { NODE_ENV: 'test', ENCRYPTION_MASTER_KEY: MASTER_KEY },
        { database: empty },
      );

      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(
        /^No audit MAC key is stored, so every event was checked as plain SHA-256\./m,
      );
      expect(run.stdout).toContain('All 0 audit chain(s) verify');
    } finally {
      await empty.close();
    }
  });

  it('needs a master key', async () => {
    const run = await runCli(['audit', 'verify'], { NODE_ENV: 'test' }, { database: db });

    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^ENCRYPTION_MASTER_KEY is not set/);
  });
});
