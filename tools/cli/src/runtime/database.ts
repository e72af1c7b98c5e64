import type { PlatformConfig } from '@skillancer/config';
import { type Database, type DependencyObserver, migrate, openDatabase } from '@skillancer/database';
import type { Logger } from 'pino';

/** Opens PostgreSQL (`DATABASE_URL`) or the embedded PGlite and applies pending migrations. */
export async function openPlatformDatabase(
  config: PlatformConfig,
  logger: Logger,
  observer?: DependencyObserver,
): Promise<Database> {
  const db = await openDatabase({
    url: config.database.url,
    dataDir: config.database.url ? undefined : config.database.pgliteDataDir,
    poolSize: config.database.poolSize,
    observer,
  });
  try {
    const result = await migrate(db);
    if (result.applied.length > 0) logger.info({ migrations: result.applied }, 'applied database migrations');
  } catch (error) {
    await db.close();
    throw error;
  }
  logger.info({ engine: db.engine }, 'database ready');
  return db;
}
