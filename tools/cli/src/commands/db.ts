import type { PlatformConfig } from '@skillancer/config';
import { createLoggerOptions } from '@skillancer/service-kit';
import pino from 'pino';
import { openPlatformDatabase } from '../runtime/database.js';

/** Applies pending migrations to the configured database and exits. */
export async function migrateDatabase(config: PlatformConfig): Promise<void> {
  const logger = pino(createLoggerOptions('skillancer', config.logLevel));
  const db = await openPlatformDatabase(config, logger);
  await db.close();
  process.stdout.write(`Database is up to date (${db.engine}).\n`);
}
