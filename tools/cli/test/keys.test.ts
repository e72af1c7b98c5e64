import { randomUUID } from 'node:crypto';
import { readKeyVersion } from '@skillancer/phi-crypto';
import { createTestDatabase, type TestDatabase } from '@skillancer/testing/database';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { insertTenant, legacyCiphertext, type SeededRecord, seedPhi, unreadable } from './phi-fixtures.js';
import { runCli } from './support.js';

const OLD_KEY = '0f'.repeat(32);
const NEW_KEY = 'e1'.repeat(32);

let db: TestDatabase;
let records: SeededRecord[];

function keysEnv(current: string, previous?: string): Record<string, string> {
  return {
    NODE_ENV: 'test',
    ENCRYPTION_MASTER_KEY: current,
    ...(previous === undefined ? {} : { ENCRYPTION_MASTER_KEY_PREVIOUS: previous }),
  };
}

function keys(argv: string[], env: Record<string, string>, onStderr?: (text: string) => void) {
  return runCli(['keys', ...argv], env, { database: db, ...(onStderr === undefined ? {} : { onStderr }) });
}

/** Returns an stderr hook that throws once, at the first line starting with `prefix`. */
function crashAt(prefix: string): (text: string) => void {
  let crashed = false;
  return (text) => {
    if (!crashed && text.startsWith(prefix)) {
      crashed = true;
      throw new Error('simulated crash');
    }
  };
}

beforeEach(async () => {
  db = await createTestDatabase('pglite');
  records = await seedPhi(db, OLD_KEY, { tenants: 4, records: 3 });
});

afterEach(async () => {
  await db?.close();
});

describe('skillancer keys generate', () => {
  it('prints a random 64-hex key', async () => {
    const first = await runCli(['keys', 'generate'], {});
    const second = await runCli(['keys', 'generate'], {});
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^[0-9a-f]{64}\n$/);
    expect(second.stdout).not.toBe(first.stdout);
  });
});

describe('skillancer keys status', () => {
  it('shows keys per tenant', async () => {
    const run = await keys(['status'], keysEnv(OLD_KEY));
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^master key check: ok \(mk_\w+ matches the stored key check value\)$/m);
    for (const tenantId of new Set(records.map((record) => record.tenantId))) {
      expect(run.stdout).toMatch(new RegExp(`^${tenantId} +data +1 +1 +1 +0 +0 +\\d+$`, 'm'));
    }
    expect(run.stdout).toContain('4 tenant(s) with keys.');
    expect(run.stdout).not.toContain(OLD_KEY);
  });

  it('prints JSON with usage counts', async () => {
    const run = await keys(['status', '--json'], keysEnv(OLD_KEY));
    const status = JSON.parse(run.stdout) as { tenants: Array<{ usageCount: number; purpose: string }> };
    const dataKeys = status.tenants.filter((tenant) => tenant.purpose === 'data');
    expect(dataKeys).toHaveLength(4);
    for (const tenant of dataKeys) expect(tenant.usageCount).toBeGreaterThanOrEqual(6);
  });

  it('fails on a wrong master key', async () => {
    const run = await keys(['status'], keysEnv(NEW_KEY));
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^master key check: FAILED \(invalid master key/m);
  });

  it('refuses other commands with a wrong key', async () => {
    const run = await keys(['reencrypt'], keysEnv(NEW_KEY));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('matches none of the master keys the data was written with');
  });
});

describe('skillancer keys rotate-master', () => {
  it('resumes after a crash', async () => {
    const rotation = keysEnv(NEW_KEY, OLD_KEY);
    const crashed = await keys(['rotate-master', '--page-size', '1'], rotation, crashAt('rewrapped'));
    expect(crashed.code).toBe(1);
    expect(crashed.stderr).toContain('simulated crash');
    const midway = await db.query<{ master_key_id: string; count: string }>(
      'SELECT master_key_id, count(*) AS count FROM phi_tenant_keys GROUP BY master_key_id',
    );
    expect(midway.rows).toHaveLength(2);
    expect(await unreadable(db, { current: NEW_KEY, previous: [OLD_KEY] }, records)).toEqual([]);

    const resumed = await keys(['rotate-master', '--page-size', '1'], rotation);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain('Rotation complete');
    expect(await unreadable(db, { current: NEW_KEY }, records)).toEqual([]);
  });

  it('is safe to run twice', async () => {
    const rotation = keysEnv(NEW_KEY, OLD_KEY);
    expect((await keys(['rotate-master'], rotation)).code).toBe(0);
    const again = await keys(['rotate-master', '--json'], rotation);
    expect(again.code).toBe(0);
    const summary = JSON.parse(again.stdout) as { tenantKeys: { rewrapped: number; remaining: number } };
    expect(summary.tenantKeys).toMatchObject({ rewrapped: 0, remaining: 0 });
    const status = await keys(['status'], keysEnv(NEW_KEY));
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('tenant keys to rewrap onto the current master key: 0');
  });

  it('reports keys left under an unconfigured key', async () => {
    const run = await keys(['rotate-master'], keysEnv(NEW_KEY));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('ENCRYPTION_MASTER_KEY_PREVIOUS');
  });
});

describe('skillancer keys rotate-tenant and reencrypt', () => {
  it('rotates one tenant and re-encrypts after a crash', async () => {
    const tenantId = records[0]?.tenantId ?? '';
    const rotated = await keys(['rotate-tenant', tenantId], keysEnv(OLD_KEY));
    expect(rotated.code).toBe(0);
    expect(rotated.stdout).toContain(`tenant ${tenantId}: data key version 2 is now current`);

    const crashed = await keys(
      ['reencrypt', '--tenant', tenantId, '--page-size', '1'],
      keysEnv(OLD_KEY),
      crashAt(`tenant ${tenantId}: records`),
    );
    expect(crashed.code).toBe(1);
    expect(await unreadable(db, { current: OLD_KEY }, records)).toEqual([]);

    const resumed = await keys(['reencrypt', '--tenant', tenantId, '--page-size', '1'], keysEnv(OLD_KEY));
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(/moved to data key version 2; 0 skipped, 0 legacy, 0 failed/);
    const { rows } = await db.query<{ fields: Record<string, string> }>(
      'SELECT fields FROM phi_records WHERE tenant_id = $1',
      [tenantId],
    );
    for (const row of rows) {
      for (const ciphertext of Object.values(row.fields)) expect(readKeyVersion(ciphertext)).toBe(2);
    }
    expect(await unreadable(db, { current: OLD_KEY }, records)).toEqual([]);
  });

  it('rotates and re-encrypts every tenant', async () => {
    const rotated = await keys(['rotate-tenant', '--all', '--json'], keysEnv(OLD_KEY));
    expect(rotated.code).toBe(0);
    expect((JSON.parse(rotated.stdout) as { rotated: unknown[] }).rotated).toHaveLength(4);
    const run = await keys(['reencrypt', '--json'], keysEnv(OLD_KEY));
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout) as {
      tenants: Array<{ fieldsReencrypted: number; toVersion: number }>;
    };
    expect(summary.tenants.map((tenant) => tenant.fieldsReencrypted)).toEqual([6, 6, 6, 6]);
    expect(await unreadable(db, { current: OLD_KEY }, records)).toEqual([]);
  });

  it('rejects a bad tenant argument', async () => {
    const neither = await keys(['rotate-tenant'], keysEnv(OLD_KEY));
    expect(neither.code).toBe(2);
    expect(neither.stderr).toContain('name one tenant id or pass --all');
    const invalid = await keys(['rotate-tenant', 'not-a-uuid'], keysEnv(OLD_KEY));
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain('tenant id must be a UUID');
  });
});

describe('skillancer keys shred-tenant', () => {
  it('requests, refuses a second request and cancels', async () => {
    const tenantId = records[0]?.tenantId ?? '';
    const env = { ...keysEnv(OLD_KEY), TENANT_SHRED_DELAY_HOURS: '24' };
    const requested = await keys(['shred-tenant', tenantId], env);
    expect(requested.code).toBe(0);
    expect(requested.stdout).toMatch(/auth-svc destroys its keys and data after \d{4}-\d\d-\d\dT/);
    const again = await keys(['shred-tenant', tenantId], env);
    expect(again.code).toBe(2);
    const cancelled = await keys(['shred-tenant', tenantId, '--cancel'], env);
    expect(cancelled.code).toBe(0);
    expect(cancelled.stdout).toContain('nothing was destroyed');
    expect(await unreadable(db, { current: OLD_KEY }, records)).toEqual([]);
  });

  it('needs confirmation to shred now', async () => {
    const tenantId = records[0]?.tenantId ?? '';
    const unconfirmed = await keys(['shred-tenant', tenantId, '--now'], keysEnv(OLD_KEY));
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toContain(`--confirm ${tenantId}`);
    const wrong = await keys(
      ['shred-tenant', tenantId, '--now', '--confirm', randomUUID()],
      keysEnv(OLD_KEY),
    );
    expect(wrong.code).toBe(2);
    expect(await unreadable(db, { current: OLD_KEY }, records)).toEqual([]);
  });

  it('shreds a tenant at once', async () => {
    const tenantId = records[0]?.tenantId ?? '';
    const { rows: before } = await db.query<{ fields: Record<string, string> }>(
      'SELECT fields FROM phi_records WHERE tenant_id = $1',
      [tenantId],
    );
    const run = await keys(['shred-tenant', tenantId, '--now', '--confirm', tenantId], keysEnv(OLD_KEY));
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/destroyed 2 key version\(s\) \(data:1, index:1\)/);
    expect(run.stdout).toContain('Deleted 3 PHI record(s) and 0 token(s) and the tenant');
    expect(run.stdout).toContain(
      "auth-svc deletes the tenant's avatars and portfolio images at its next shred job run. cockpit-svc deletes its invoice PDFs and skillpod-svc its session recording chunks at their next purge runs. All three run every 5 minutes",
    );
    expect(run.stdout).not.toContain('Recording chunks are not deleted');
    expect(run.stdout).not.toContain(`delete tenant/${tenantId}/`);
    expect(run.stdout).not.toContain('Objects in object storage are not deleted');

    const shredded = records.filter((record) => record.tenantId === tenantId);
    const others = records.filter((record) => record.tenantId !== tenantId);
    expect(await unreadable(db, { current: OLD_KEY }, others)).toEqual([]);
    expect(await unreadable(db, { current: OLD_KEY }, shredded)).toHaveLength(shredded.length * 2);
    const { rows: keysLeft } = await db.query<{ state: string }>(
      'SELECT state FROM phi_tenant_keys WHERE tenant_id = $1',
      [tenantId],
    );
    expect(keysLeft.map((row) => row.state)).toEqual(['destroyed', 'destroyed']);
    expect(before).toHaveLength(3);

    const status = await keys(['status'], keysEnv(OLD_KEY));
    expect(status.stdout).toMatch(new RegExp(`^${tenantId} +data +1 +shredded +0 +0 +1 `, 'm'));
  });
});

describe('skillancer keys migrate-legacy', () => {
  it('rewrites legacy values and resumes', async () => {
    const tenantId = await insertTenant(db);
    const legacy: SeededRecord[] = [];
    for (let index = 0; index < 3; index += 1) {
      const record = {
        id: randomUUID(),
        tenantId,
        recordType: 'patient',
        plaintext: { mrn: `MRN-${index}` },
      };
      const fields = { mrn: legacyCiphertext(OLD_KEY, tenantId, record.plaintext.mrn) };
      await db.query(
        "INSERT INTO phi_records (id, tenant_id, record_type, fields) VALUES ($1, $2, 'patient', $3::jsonb)",
        [record.id, tenantId, JSON.stringify(fields)],
      );
      legacy.push(record);
    }
    const withContext = { id: randomUUID(), tenantId, recordType: 'patient', plaintext: { mrn: 'MRN-X' } };
    await db.query(
      "INSERT INTO phi_records (id, tenant_id, record_type, fields) VALUES ($1, $2, 'patient', $3::jsonb)",
      [
        withContext.id,
        tenantId,
        JSON.stringify({ mrn: legacyCiphertext(OLD_KEY, tenantId, 'MRN-X', { patient: 1 }) }),
      ],
    );

    const crashed = await keys(
      ['migrate-legacy', '--tenant', tenantId, '--page-size', '1'],
      keysEnv(OLD_KEY),
      crashAt(`tenant ${tenantId}:`),
    );
    expect(crashed.code).toBe(1);
    const resumed = await keys(['migrate-legacy', '--json'], keysEnv(OLD_KEY));
    expect(resumed.code).toBe(1);
    const summary = JSON.parse(resumed.stdout) as {
      tenants: Array<{ tenantId: string; fieldsMigrated: number; failed: number }>;
    };
    const mine = summary.tenants.find((tenant) => tenant.tenantId === tenantId);
    expect(mine?.failed).toBe(1);
    expect(mine?.fieldsMigrated).toBeGreaterThanOrEqual(2);
    expect(
      summary.tenants
        .filter((tenant) => tenant.tenantId !== tenantId)
        .every((tenant) => tenant.fieldsMigrated === 0),
    ).toBe(true);

    expect(await unreadable(db, { current: OLD_KEY }, legacy)).toEqual([]);
    expect(await unreadable(db, { current: OLD_KEY }, records)).toEqual([]);
    const again = await keys(['migrate-legacy', '--tenant', tenantId], keysEnv(OLD_KEY));
    expect(again.stdout).toMatch(/0 field\(s\) migrated, 0 skipped, 1 failed/);
    expect(again.stdout).toMatch(
      new RegExp(`^failed  tenant ${tenantId} record ${withContext.id} field mrn: `, 'm'),
    );
  });
});
