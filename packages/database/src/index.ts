export { DatabaseError, type DatabaseErrorCode, isDatabaseError } from './errors.js';
export { advisoryLockKey } from './lock-key.js';
export { MIGRATION_LOCK_NAME, type MigrateOptions, type MigrateResult, migrate } from './migrate.js';
export { checksumOf, listMigrations, MIGRATIONS_DIRECTORY, type Migration } from './migrations.js';
export { type OpenDatabaseOptions, openDatabase } from './open.js';
export { describeOperation } from './operation.js';
export { openPglite, type PgliteDatabase, type PgliteOptions } from './pglite.js';
export { openPostgres, type PostgresOptions } from './postgres.js';
export type {
  Database,
  DatabaseEngine,
  DependencyCall,
  DependencyObserver,
  Queryable,
  QueryResult,
  Row,
  TransactionOptions,
} from './types.js';
