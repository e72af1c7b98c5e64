import { MasterKeyring } from '@skillancer/phi-crypto';
import {
  checkPostgres,
  createTestDatabase,
  postgresRequired,
  type TestDatabase,
} from '@skillancer/testing/database';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SeededRecord, seedPhi, unreadable } from './phi-fixtures.js';
import { runCli } from './support.js';

const OLD_KEY = '3c'.repeat(32);
const NEW_KEY = 'd4'.repeat(32);
const availability = await checkPostgres();
if (!availability.available && postgresRequired()) throw new Error(availability.reason);

// These runs open PostgreSQL from DATABASE_URL, as in production, instead of a database handed in.
describe.runIf(availability.available)('skillancer keys on PostgreSQL', () => {
  let db: TestDatabase;
  let records: SeededRecord[];

  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    records = await seedPhi(db, OLD_KEY, { tenants: 3, records: 2 });
  });

  afterAll(async () => {
    await db?.close();
  });

  function env(current: string, previous?: string): Record<string, string> {
    return {
      NODE_ENV: 'test',
      DATABASE_URL: db.url ?? '',
      ENCRYPTION_MASTER_KEY: current,
      ...(previous === undefined ? {} : { ENCRYPTION_MASTER_KEY_PREVIOUS: previous }),
    };
  }

  it('finishes a master key rotation after a crash', async () => {
    let crashed = false;
    const interrupted = await runCli(['keys', 'rotate-master', '--page-size', '1'], env(NEW_KEY, OLD_KEY), {
      onStderr: (text) => {
        if (!crashed && text.startsWith('rewrapped')) {
          crashed = true;
          throw new Error('simulated crash');
        }
      },
    });
    expect(interrupted.code).toBe(1);
    const resumed = await runCli(['keys', 'rotate-master'], env(NEW_KEY, OLD_KEY));
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain('Rotation complete');
    expect(resumed.stdout).toMatch(/ and 1 audit MAC key\(s\) onto mk_/);
    expect(await unreadable(db, { current: NEW_KEY }, records)).toEqual([]);
    const status = await runCli(['keys', 'status'], env(NEW_KEY));
    const newKeyId = MasterKeyring.fromHex({ current: NEW_KEY }).current.id;
    expect(status.stdout).toMatch(
      new RegExp(`^audit MAC key version 1 under ${newKeyId}, created \\d{4}-`, 'm'),
    );
  });

  it('re-encrypts and verifies the audit trail', async () => {
    expect((await runCli(['keys', 'rotate-tenant', '--all'], env(NEW_KEY))).code).toBe(0);
    const reencrypted = await runCli(['keys', 'reencrypt', '--json'], env(NEW_KEY));
    expect(reencrypted.code).toBe(0);
    expect(await unreadable(db, { current: NEW_KEY }, records)).toEqual([]);
    const audit = await runCli(['audit', 'verify'], env(NEW_KEY));
    expect(audit.code).toBe(0);
    expect(audit.stdout).toMatch(/^All \d+ audit chain\(s\) verify/m);
  });
});
