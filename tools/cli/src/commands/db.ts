import type { PlatformConfig } from '@skillancer/config';
import { createLoggerOptions } from '@skillancer/service-kit';
import pino from 'pino';
import { openMigratedDatabase } from '../runtime/database.js';
import type { CliIo } from '../runtime/io.js';

/** Applies pending migrations to the configured database and prints what it applied. */
export async function migrateDatabase(config: PlatformConfig, io: Pick<CliIo, 'stdout'>): Promise<void> {
  // Logs go to stderr, so stdout carries only the summary line, like the other commands' reports.
  const logger = pino(createLoggerOptions('skillancer', config.logLevel), pino.destination(2));
  const { db, migrations } = await openMigratedDatabase(config, logger);
  await db.close();
  io.stdout.write(`${migrationSummary(db.engine, migrations.applied)}\n`);
}

/** Returns the one-line summary `db migrate` prints. */
export function migrationSummary(engine: string, applied: readonly string[]): string {
  if (applied.length === 0) {
    return `No pending migrations; the ${engine} database is up to date.`;
  }
  const noun = applied.length === 1 ? 'migration' : 'migrations';
  return `Applied ${applied.length} ${noun} to the ${engine} database (${applied.join(', ')}); it is up to date.`;
}
