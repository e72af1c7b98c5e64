import { access } from 'node:fs/promises';
import type { PlatformConfig } from '@skillancer/config';
import { type Database, listMigrations, openDatabase, type Queryable } from '@skillancer/database';
import { CliError, type CliIo } from './io.js';

/** The state of the database schema against the migration files of this release. */
export interface SchemaStatus {
  appliedCount: number;
  /** File names of migrations not applied yet, in order. */
  pending: string[];
  /** Applied migrations whose file changed after it ran. */
  changed: string[];
}

/** Reads `schema_migrations` without changing anything; a database never migrated has every migration pending. */
export async function readSchemaStatus(db: Queryable): Promise<SchemaStatus> {
  const migrations = await listMigrations();
  const { rows: table } = await db.query<{ exists: boolean }>(
    "SELECT to_regclass('schema_migrations') IS NOT NULL AS exists",
  );
  const applied = new Map<string, string>();
  if (table[0]?.exists === true) {
    const { rows } = await db.query<{ name: string; checksum: string }>(
      'SELECT name, checksum FROM schema_migrations',
    );
    for (const row of rows) applied.set(row.name, row.checksum);
  }
  return {
    appliedCount: applied.size,
    pending: migrations
      .filter((migration) => !applied.has(migration.name))
      .map((migration) => migration.name),
    changed: migrations
      .filter((migration) => {
        const checksum = applied.get(migration.name);
        return checksum !== undefined && checksum !== migration.checksum;
      })
      .map((migration) => migration.name),
  };
}

/** True when the embedded PGlite database of this configuration has been created on disk. */
export async function embeddedDatabaseExists(config: PlatformConfig): Promise<boolean> {
  try {
    await access(config.database.pgliteDataDir);
    return true;
  } catch {
    return false;
  }
}

/** Opens PostgreSQL or the embedded PGlite for a check, with a short connection timeout. */
export function openConfiguredDatabase(config: PlatformConfig): Promise<Database> {
  return openDatabase({
    url: config.database.url,
    dataDir: config.database.url ? undefined : config.database.pgliteDataDir,
    poolSize: 2,
    connectTimeoutMs: 5000,
  });
}

/**
 * Opens the database for an operations command and checks that its schema is this release's.
 * Unlike `skillancer start` it applies no migrations, so a key or audit command never changes the
 * schema by surprise; it names the command that does.
 */
export async function openOperationsDatabase(config: PlatformConfig, io: CliIo): Promise<Database> {
  if (io.openDatabase !== undefined) return checkedSchema(await io.openDatabase(config));
  if (!config.database.url && !(await embeddedDatabaseExists(config))) {
    throw new CliError(
      `no database found: DATABASE_URL is not set and the embedded database ${config.database.pgliteDataDir} does not exist; set DATABASE_URL or DATA_DIR`,
    );
  }
  if (!config.database.url) {
    // NOTE: nothing stops a second process from opening the same PGlite directory, so this
    // warning is the only guard against running a key job beside `skillancer start`.
    io.stderr.write(
      `Using the embedded PGlite database ${config.database.pgliteDataDir}; stop \`skillancer start\` first, because PGlite serves one process at a time.\n`,
    );
  }
  return checkedSchema(await openConfiguredDatabase(config));
}

async function checkedSchema(db: Database): Promise<Database> {
  try {
    const status = await readSchemaStatus(db);
    if (status.changed.length > 0) {
      throw new CliError(
        `applied migrations were changed after they ran: ${status.changed.join(', ')}; restore the original files`,
      );
    }
    if (status.pending.length > 0) {
      throw new CliError(
        `the database schema is behind this release (${status.pending.length} pending migration(s): ${status.pending.join(', ')}); run \`skillancer db migrate\` first`,
      );
    }
    return db;
  } catch (error) {
    await db.close();
    throw error;
  }
}
