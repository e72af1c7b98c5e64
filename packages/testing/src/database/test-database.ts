import {
  type Database,
  type DatabaseEngine,
  DatabaseError,
  type DependencyObserver,
  migrate,
  openPglite,
  openPostgres,
  type Queryable,
  type QueryResult,
  type Row,
  type TransactionOptions,
} from '@skillancer/database';
import { pgliteSnapshot } from './pglite-snapshot.js';
import { checkPostgres, createServerDatabase, dropServerDatabase } from './postgres-server.js';

/** A database of its own for one test file or describe block. `close()` also deletes it. */
export interface TestDatabase extends Database {
  /** PostgreSQL only: the URL of this database, for tests that need a second connection pool. */
  readonly url: string | undefined;
}

export interface TestDatabaseOptions {
  /** Apply the migrations of @skillancer/database; default true. Pass false to test migrations themselves. */
  migrated?: boolean;
  /** Passed to the database. On PostgreSQL it also receives the queries of the migration run. */
  observer?: DependencyObserver;
}

/**
 * Creates a fresh database on `engine`. PGlite starts in memory from a cached snapshot. PostgreSQL
 * gets a new database with a random name on the server from `TEST_DATABASE_URL`
 * (default postgres://postgres@127.0.0.1:5432/postgres), migrated, and dropped again by `close()`.
 */
export async function createTestDatabase(
  engine: DatabaseEngine,
  options: TestDatabaseOptions = {},
): Promise<TestDatabase> {
  const migrated = options.migrated ?? true;
  const { observer } = options;
  if (engine === 'pglite') {
    const loadDataDir = await pgliteSnapshot(migrated ? 'migrated' : 'empty');
    const db = await openPglite({ loadDataDir, observer });
    return new TestDatabaseHandle(db, undefined, () => db.close());
  }

  const availability = await checkPostgres();
  if (!availability.available) {
    throw new DatabaseError('connection_failed', availability.reason);
  }
  const { name, url } = await createServerDatabase();
  const db = openPostgres({ url, poolSize: 4, observer });
  const dispose = async () => {
    await db.close();
    await dropServerDatabase(name);
  };
  try {
    if (migrated) {
      await migrate(db);
    }
  } catch (error) {
    await dispose();
    throw error;
  }
  return new TestDatabaseHandle(db, url, dispose);
}

class TestDatabaseHandle implements TestDatabase {
  #disposed: Promise<void> | undefined;

  constructor(
    private readonly db: Database,
    readonly url: string | undefined,
    private readonly dispose: () => Promise<void>,
  ) {}

  get engine(): DatabaseEngine {
    return this.db.engine;
  }

  query<T extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>> {
    return this.db.query<T>(sql, params);
  }

  transaction<T>(work: (tx: Queryable) => Promise<T>, options?: TransactionOptions): Promise<T> {
    return this.db.transaction(work, options);
  }

  tryWithAdvisoryLock<T>(
    lockName: string,
    work: () => Promise<T>,
  ): Promise<{ acquired: true; value: T } | { acquired: false }> {
    return this.db.tryWithAdvisoryLock(lockName, work);
  }

  ping(): Promise<void> {
    return this.db.ping();
  }

  close(): Promise<void> {
    this.#disposed ??= this.dispose();
    return this.#disposed;
  }
}
