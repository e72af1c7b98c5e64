import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationSummary } from '../src/commands/db.js';
import { createDataDir, type DataDir, runCli, withDatabase } from './support.js';

const execFileAsync = promisify(execFile);

let dataDir: DataDir;

beforeAll(async () => {
  dataDir = await createDataDir({ migrated: false });
});

afterAll(async () => {
  await dataDir?.remove();
});

describe('skillancer db migrate', () => {
  it('names the migrations it applied', async () => {
    const run = await runCli(['db', 'migrate'], { NODE_ENV: 'test', DATA_DIR: dataDir.path });

    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^Applied \d+ migrations to the pglite database \(0001_foundation\.sql, [^)]+\); it is up to date\.\n$/,
    );
  });

  it('says when nothing was pending', async () => {
    const run = await runCli(['db', 'migrate'], { NODE_ENV: 'test', DATA_DIR: dataDir.path });

    expect(run.code).toBe(0);
    expect(run.stdout).toBe('No pending migrations; the pglite database is up to date.\n');
  });

  it('prints only the summary on stdout', async () => {
    const bin = fileURLToPath(new URL('../bin/skillancer.js', import.meta.url));
    const { stdout, stderr } = await execFileAsync(process.execPath, [bin, 'db', 'migrate'], {
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', DATA_DIR: dataDir.path },
    });

    expect(stdout).toBe('No pending migrations; the pglite database is up to date.\n');
    expect(stderr).toContain('"msg":"database ready"');
  });

  it('fails on an edited migration', async () => {
    await withDatabase(dataDir, (db) =>
      db.query("UPDATE schema_migrations SET checksum = 'edited' WHERE name = '0001_foundation.sql'"),
    );

    const run = await runCli(['db', 'migrate'], { NODE_ENV: 'test', DATA_DIR: dataDir.path });

    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('0001_foundation.sql');
  });

  it('uses the singular for one migration', () => {
    expect(migrationSummary('postgres', ['0002_accounts.sql'])).toBe(
      'Applied 1 migration to the postgres database (0002_accounts.sql); it is up to date.',
    );
  });
});
