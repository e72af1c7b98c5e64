import { openPglite } from './pglite.js';
import { openPostgres } from './postgres.js';
import type { Database, DependencyObserver } from './types.js';

export interface OpenDatabaseOptions {
  /** A PostgreSQL URL (`DATABASE_URL`). When set, PostgreSQL is used and `dataDir` is ignored. */
  url?: string;
  /** PGlite data directory such as `./.data/db`, created if missing. Without `url` and `dataDir`, PGlite runs in memory. */
  dataDir?: string;
  /** Called once per query and once per transaction. */
  observer?: DependencyObserver;
  /** PostgreSQL only: maximum number of pooled connections; default 10. */
  poolSize?: number;
  /** PostgreSQL only: how long a query waits for a connection, in milliseconds; default 10 000. */
  connectTimeoutMs?: number;
}

/**
 * Opens the database: a PostgreSQL pool when `url` is set, otherwise embedded PGlite on `dataDir`
 * or in memory. Both run the same SQL behind the same interface.
 */
export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<Database> {
  const { url, dataDir, observer, poolSize, connectTimeoutMs } = options;
  if (url !== undefined) {
    return openPostgres({ url, observer, poolSize, connectTimeoutMs });
  }
  return openPglite({ dataDir, observer });
}
