import { setTimeout as sleep } from 'node:timers/promises';
import { DatabaseError } from './errors.js';
import { listMigrations, type Migration } from './migrations.js';
import type { Database } from './types.js';

export interface MigrateOptions {
  /** Directory of `NNNN_name.sql` files; default packages/database/migrations. */
  directory?: string;
  /** Called after each migration has committed. */
  onApplied?: (migration: { name: string; durationSeconds: number }) => void;
  /** How long to wait while another process migrates the same database, in milliseconds; default 60 000. */
  lockTimeoutMs?: number;
}

export interface MigrateResult {
  /** File names of the migrations applied by this call, in order. */
  applied: string[];
  /** How many migrations had been applied before. */
  alreadyApplied: number;
}

/** The advisory lock that serializes migrators on one database. */
export const MIGRATION_LOCK_NAME = 'skillancer:schema_migrations';

const LOCK_POLL_MS = 100;
const DEFAULT_LOCK_TIMEOUT_MS = 60_000;

/**
 * Applies the pending migrations in file name order, each in its own transaction together with its
 * row in `schema_migrations`. Running it again applies nothing. It fails, before applying anything,
 * when an applied file has changed since it ran.
 *
 * Migrators on one database take turns through an advisory lock, so several replicas can start at
 * once. On PostgreSQL the lock holds one pooled connection while each migration takes another, so
 * the pool needs at least two connections. A migration cannot use statements that refuse to run in
 * a transaction, such as CREATE INDEX CONCURRENTLY.
 */
export async function migrate(db: Database, options: MigrateOptions = {}): Promise<MigrateResult> {
  const migrations = await listMigrations(options.directory);
  const deadline = Date.now() + (options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS);

  // The Database interface offers only a non-blocking lock, so a waiting migrator polls it.
  for (;;) {
    const attempt = await db.tryWithAdvisoryLock(MIGRATION_LOCK_NAME, () =>
      applyPending(db, migrations, options),
    );
    if (attempt.acquired) {
      return attempt.value;
    }
    if (Date.now() >= deadline) {
      throw new DatabaseError(
        'lock_timeout',
        `Timed out waiting for the migration lock ${MIGRATION_LOCK_NAME}: another process is still migrating ` +
          'this database. Wait for it to finish, or raise lockTimeoutMs.',
      );
    }
    await sleep(LOCK_POLL_MS);
  }
}

async function applyPending(
  db: Database,
  migrations: Migration[],
  options: MigrateOptions,
): Promise<MigrateResult> {
  await db.query(
    `CREATE TABLE IF NOT EXISTS schema_migrations (
       name text PRIMARY KEY,
       checksum text NOT NULL,
       applied_at timestamptz NOT NULL DEFAULT now()
     )`,
  );
  const { rows } = await db.query<{ name: string; checksum: string }>(
    'SELECT name, checksum FROM schema_migrations',
  );
  const appliedChecksums = new Map(rows.map((row) => [row.name, row.checksum]));

  const changed = migrations.filter((migration) => {
    const checksum = appliedChecksums.get(migration.name);
    return checksum !== undefined && checksum !== migration.checksum;
  });
  if (changed.length > 0) {
    const paths = changed.map((migration) => migration.path).join(', ');
    throw new DatabaseError(
      'migration_checksum_mismatch',
      `Applied migration files were changed after they ran: ${paths}. Restore their original content ` +
        'and put the change into a new migration file.',
    );
  }

  const pending = migrations.filter((migration) => !appliedChecksums.has(migration.name));
  const applied: string[] = [];
  for (const migration of pending) {
    const started = process.hrtime.bigint();
    await applyOne(db, migration);
    applied.push(migration.name);
    options.onApplied?.({
      name: migration.name,
      durationSeconds: Number(process.hrtime.bigint() - started) / 1e9,
    });
  }
  return { applied, alreadyApplied: migrations.length - pending.length };
}

async function applyOne(db: Database, migration: Migration): Promise<void> {
  try {
    await db.transaction(async (tx) => {
      await tx.query(migration.sql);
      await tx.query('INSERT INTO schema_migrations (name, checksum) VALUES ($1, $2)', [
        migration.name,
        migration.checksum,
      ]);
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new DatabaseError(
      'migration_failed',
      `Migration ${migration.path} failed and was rolled back: ${reason}`,
      {
        sqlState: error instanceof DatabaseError ? error.sqlState : undefined,
        operation: error instanceof DatabaseError ? error.operation : undefined,
        cause: error,
      },
    );
  }
}
