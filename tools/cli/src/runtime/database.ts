import type { PlatformConfig } from '@skillancer/config';
import {
  type Database,
  type DependencyObserver,
  type MigrateResult,
  migrate,
  openDatabase,
} from '@skillancer/database';
import type { Logger } from 'pino';

/** Opens PostgreSQL (`DATABASE_URL`) or the embedded PGlite and applies pending migrations. */
export async function openPlatformDatabase(
  config: PlatformConfig,
  logger: Logger,
  observer?: DependencyObserver,
): Promise<Database> {
  return (await openMigratedDatabase(config, logger, observer)).db;
}

/** Opens the configured database, applies pending migrations and returns what was applied. */
export async function openMigratedDatabase(
  config: PlatformConfig,
  logger: Logger,
  observer?: DependencyObserver,
): Promise<{ db: Database; migrations: MigrateResult }> {
  const db = await openDatabase({
    url: config.database.url,
    dataDir: config.database.url ? undefined : config.database.pgliteDataDir,
    poolSize: config.database.poolSize,
    observer,
  });
  let migrations: MigrateResult;
  try {
    migrations = await migrate(db);
    if (migrations.applied.length > 0) {
      logger.info({ migrations: migrations.applied }, 'applied database migrations');
    }
  } catch (error) {
    await db.close();
    throw error;
  }
  logger.info({ engine: db.engine }, 'database ready');
  return { db, migrations };
}
