import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { forEachEngine } from '@skillancer/testing/database';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Database,
  DatabaseError,
  listMigrations,
  MIGRATIONS_DIRECTORY,
  migrate,
  openDatabase,
} from '../src/index.js';

/** Copies the package's migrations into a scratch directory that a test may extend or edit. */
async function copyMigrations(): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'skillancer-migrations-'));
  await cp(MIGRATIONS_DIRECTORY, directory, { recursive: true });
  return directory;
}

async function recorded(db: Database): Promise<Array<{ name: string; checksum: string; applied_at: Date }>> {
  const { rows } = await db.query<{ name: string; checksum: string; applied_at: Date }>(
    'SELECT name, checksum, applied_at FROM schema_migrations ORDER BY name',
  );
  return rows;
}

async function tableExists(db: Database, table: string): Promise<boolean> {
  const { rows } = await db.query<{ found: string | null }>('SELECT to_regclass($1)::text AS found', [table]);
  return rows[0]?.found != null;
}

forEachEngine(
  'migrate on an empty database',
  (getDb) => {
    it('applies every migration in order', async () => {
      const applied: string[] = [];
      const files = await listMigrations();

      const result = await migrate(getDb(), { onApplied: (migration) => applied.push(migration.name) });

      expect(result.applied).toEqual(files.map((file) => file.name));
      expect(result.alreadyApplied).toBe(0);
      expect(applied).toEqual(result.applied);
      expect(await tableExists(getDb(), 'refresh_tokens')).toBe(true);
    });

    it('records name and checksum of each migration', async () => {
      const files = await listMigrations();
      const rows = await recorded(getDb());

      expect(rows.map((row) => row.name)).toEqual(files.map((file) => file.name));
      expect(rows.map((row) => row.checksum)).toEqual(files.map((file) => file.checksum));
      for (const row of rows) {
        expect(row.applied_at).toBeInstanceOf(Date);
      }
    });

    it('does nothing when run again', async () => {
      const before = await recorded(getDb());

      const result = await migrate(getDb());

      expect(result.applied).toEqual([]);
      expect(result.alreadyApplied).toBe(before.length);
      expect(await recorded(getDb())).toEqual(before);
    });
  },
  { migrated: false },
);

forEachEngine('migrate with changed files', (getDb) => {
  let directory: string;

  beforeAll(async () => {
    directory = await copyMigrations();
  });

  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('applies only a new migration', async () => {
    await writeFile(
      join(directory, '9001_add_probe.sql'),
      'CREATE TABLE migrate_probe (id int PRIMARY KEY);\n',
    );

    const result = await migrate(getDb(), { directory });

    expect(result.applied).toEqual(['9001_add_probe.sql']);
    expect(await tableExists(getDb(), 'migrate_probe')).toBe(true);
    expect((await migrate(getDb(), { directory })).applied).toEqual([]);
  });

  it('rejects an edited applied migration by file', async () => {
    const edited = join(directory, '0001_foundation.sql');
    await writeFile(edited, `${await readFile(edited, 'utf8')}\n-- edited\n`);
    await writeFile(join(directory, '9002_never_applied.sql'), 'CREATE TABLE never_applied (id int);\n');

    const failure = await migrate(getDb(), { directory }).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(DatabaseError);
    expect((failure as DatabaseError).code).toBe('migration_checksum_mismatch');
    expect((failure as DatabaseError).message).toContain(edited);
    expect(await tableExists(getDb(), 'never_applied')).toBe(false);
  });

  it('accepts CRLF line endings of an applied file', async () => {
    const crlf = await copyMigrations();
    try {
      const path = join(crlf, '0001_foundation.sql');
      await writeFile(path, (await readFile(path, 'utf8')).replaceAll('\n', '\r\n'));

      expect((await migrate(getDb(), { directory: crlf })).applied).toEqual([]);
    } finally {
      await rm(crlf, { recursive: true, force: true });
    }
  });

  it('rolls back a failing migration', async () => {
    const failing = await copyMigrations();
    try {
      const path = join(failing, '9003_half_done.sql');
      await writeFile(path, 'CREATE TABLE half_done (id int);\nSELECT * FROM no_such_table;\n');

      const failure = await migrate(getDb(), { directory: failing }).catch((error: unknown) => error);

      expect((failure as DatabaseError).code).toBe('migration_failed');
      expect((failure as DatabaseError).sqlState).toBe('42P01');
      expect((failure as DatabaseError).message).toContain(path);
      expect(await tableExists(getDb(), 'half_done')).toBe(false);
      const names = (await recorded(getDb())).map((row) => row.name);
      expect(names).not.toContain('9003_half_done.sql');
    } finally {
      await rm(failing, { recursive: true, force: true });
    }
  });
});

forEachEngine(
  'concurrent migrators',
  (getDb, engine) => {
    it('apply each migration once', async () => {
      const directory = await copyMigrations();
      // A slow migration keeps the first migrator busy while the second one starts.
      await writeFile(
        join(directory, '9004_slow.sql'),
        'SELECT pg_sleep(0.3);\nCREATE TABLE slow_probe (id int);\n',
      );
      // On PostgreSQL the second migrator is a separate pool, as a second replica would be.
      const second = engine === 'postgres' ? await openDatabase({ url: getDb().url }) : getDb();
      try {
        const results = await Promise.all([migrate(getDb(), { directory }), migrate(second, { directory })]);

        const files = await listMigrations(directory);
        const appliedTotal = results.flatMap((result) => result.applied).sort();
        expect(appliedTotal).toEqual(files.map((file) => file.name));
        expect((await recorded(getDb())).length).toBe(files.length);
      } finally {
        if (second !== getDb()) {
          await second.close();
        }
        await rm(directory, { recursive: true, force: true });
      }
    });
  },
  { migrated: false },
);

describe('listMigrations', () => {
  let directory: string;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'skillancer-migrations-'));
  });

  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('sorts files and ignores non-SQL files', async () => {
    await writeFile(join(directory, '0002_b.sql'), 'SELECT 2;');
    await writeFile(join(directory, '0001_a.sql'), 'SELECT 1;');
    await writeFile(join(directory, 'README.md'), 'notes');

    const names = (await listMigrations(directory)).map((migration) => migration.name);

    expect(names).toEqual(['0001_a.sql', '0002_b.sql']);
  });

  it('rejects a misnamed file', async () => {
    await writeFile(join(directory, '3_oops.sql'), 'SELECT 3;');
    try {
      await expect(listMigrations(directory)).rejects.toMatchObject({
        code: 'invalid_migration',
        message: expect.stringContaining('3_oops.sql'),
      });
    } finally {
      await rm(join(directory, '3_oops.sql'));
    }
  });

  it('rejects two files with one number', async () => {
    await writeFile(join(directory, '0002_c.sql'), 'SELECT 2;');
    try {
      await expect(listMigrations(directory)).rejects.toMatchObject({
        code: 'invalid_migration',
        message: expect.stringMatching(/0002_b\.sql and 0002_c\.sql/),
      });
    } finally {
      await rm(join(directory, '0002_c.sql'));
    }
  });

  it('rejects a missing directory', async () => {
    await expect(listMigrations(join(directory, 'missing'))).rejects.toMatchObject({
      code: 'invalid_migration',
    });
  });
});
