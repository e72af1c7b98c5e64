import pg from 'pg';
import { DatabaseError } from './errors.js';
import { advisoryLockKey } from './lock-key.js';
import { observeCall } from './observe.js';
import { describeOperation } from './operation.js';
import { isolationLevel, transactionAbortedError, transactionClosedError } from './transaction-options.js';
import { closedError, translateDriverError } from './translate-error.js';
import { TYPE_OIDS } from './type-parsers.js';
import type {
  Database,
  DependencyObserver,
  Queryable,
  QueryResult,
  Row,
  TransactionOptions,
} from './types.js';

export interface PostgresOptions {
  /** `postgres://user:password@host:port/database`; the usual libpq query parameters such as `sslmode` work. */
  url: string;
  observer?: DependencyObserver;
  /** Maximum number of pooled connections; default 10. */
  poolSize?: number;
  /** How long a query waits for a free or new connection before failing, in milliseconds; default 10 000. */
  connectTimeoutMs?: number;
}

const DEFAULT_POOL_SIZE = 10;
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** Opens a pool of PostgreSQL connections. No connection is made until the first query. */
export function openPostgres(options: PostgresOptions): Database {
  const server = describeServer(options.url);
  const poolSize = options.poolSize ?? DEFAULT_POOL_SIZE;
  if (!Number.isInteger(poolSize) || poolSize < 1) {
    throw new DatabaseError('invalid_configuration', `poolSize must be a positive integer, got ${poolSize}.`);
  }
  const pool = new pg.Pool({
    connectionString: options.url,
    max: poolSize,
    connectionTimeoutMillis: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    types: { getTypeParser },
  });
  // An idle connection that the server closes emits 'error' on the pool, and an unhandled 'error'
  // event would end the process. The pool has already discarded that connection, and the next
  // query that needs one reports the failure, so there is nothing else to do here.
  pool.on('error', () => {});
  return new PostgresDatabase(pool, server, options.observer);
}

class PostgresDatabase implements Database {
  readonly engine = 'postgres' as const;
  #closed = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly server: string,
    private readonly observer: DependencyObserver | undefined,
  ) {}

  async query<T extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>> {
    const operation = describeOperation(sql);
    if (this.#closed) {
      throw closedError(operation);
    }
    return observeCall(this.observer, operation, () => this.#run<T>(this.pool, sql, params, operation));
  }

  async transaction<T>(work: (tx: Queryable) => Promise<T>, options?: TransactionOptions): Promise<T> {
    const level = isolationLevel(options);
    if (this.#closed) {
      throw closedError('TRANSACTION');
    }
    return observeCall(this.observer, 'TRANSACTION', async () => {
      const client = await this.#connect('BEGIN');
      // A failed BEGIN, COMMIT or ROLLBACK leaves the session in an unknown state, so the
      // connection is then destroyed instead of going back to the pool.
      let destroyClient = false;
      try {
        await this.#control(client, level === undefined ? 'BEGIN' : `BEGIN ISOLATION LEVEL ${level}`);
        const handle = new PostgresTransaction(client, (sql, params) =>
          this.#observedRun(client, sql, params),
        );
        let value: T;
        try {
          value = await work(handle);
        } catch (error) {
          handle.end();
          await this.#control(client, 'ROLLBACK').catch(() => {
            destroyClient = true;
          });
          throw error;
        }
        handle.end();
        const commit = await this.#control(client, 'COMMIT');
        if (commit.command === 'ROLLBACK') {
          throw transactionAbortedError();
        }
        return value;
      } catch (error) {
        if (error instanceof DatabaseError && error.code === 'connection_failed') {
          destroyClient = true;
        }
        throw error;
      } finally {
        client.release(destroyClient);
      }
    });
  }

  async tryWithAdvisoryLock<T>(
    lockName: string,
    work: () => Promise<T>,
  ): Promise<{ acquired: true; value: T } | { acquired: false }> {
    if (this.#closed) {
      throw closedError('ADVISORY LOCK');
    }
    const key = advisoryLockKey(lockName);
    // A session-level lock belongs to one connection, so the lock is taken and released on a
    // dedicated client. If that connection drops while `work` runs, PostgreSQL releases the lock
    // and another session can take it before `work` finishes.
    const client = await this.#connect('ADVISORY LOCK');
    let destroyClient = false;
    try {
      const result = await this.#observedRun<{ acquired: boolean }>(
        client,
        'SELECT pg_try_advisory_lock($1::bigint) AS acquired',
        [key],
      );
      if (result.rows[0]?.acquired !== true) {
        return { acquired: false };
      }
      try {
        return { acquired: true, value: await work() };
      } finally {
        await this.#observedRun(client, 'SELECT pg_advisory_unlock($1::bigint)', [key]).catch(() => {
          // Ending the session releases the lock as well.
          destroyClient = true;
        });
      }
    } finally {
      client.release(destroyClient);
    }
  }

  async ping(): Promise<void> {
    await this.query('SELECT 1');
  }

  async close(): Promise<void> {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    await this.pool.end();
  }

  async #connect(operation: string): Promise<pg.PoolClient> {
    try {
      return await this.pool.connect();
    } catch (error) {
      throw translateDriverError(error, { operation, server: this.server });
    }
  }

  /**
   * Runs BEGIN, COMMIT or ROLLBACK and returns the server's command tag. These statements are not
   * reported to the observer on their own, because PGlite runs them out of sight; the TRANSACTION
   * call covers them on both engines.
   */
  async #control(client: pg.PoolClient, sql: string): Promise<{ command: string }> {
    try {
      const result = await client.query(sql);
      return { command: result.command };
    } catch (error) {
      throw translateDriverError(error, { operation: describeOperation(sql), server: this.server });
    }
  }

  #observedRun<T extends Row>(
    target: pg.PoolClient,
    sql: string,
    params: readonly unknown[] | undefined,
  ): Promise<QueryResult<T>> {
    const operation = describeOperation(sql);
    return observeCall(this.observer, operation, () => this.#run<T>(target, sql, params, operation));
  }

  async #run<T extends Row>(
    target: pg.Pool | pg.PoolClient,
    sql: string,
    params: readonly unknown[] | undefined,
    operation: string,
  ): Promise<QueryResult<T>> {
    try {
      // Without parameters `pg` uses the simple query protocol, which accepts several statements
      // and returns one result per statement. This returns the last one, as the PGlite driver does.
      const result: pg.QueryResult<T> | pg.QueryResult<T>[] = await target.query<T>(
        sql,
        params === undefined ? undefined : [...params],
      );
      const last = Array.isArray(result) ? result.at(-1) : result;
      if (last === undefined) {
        return { rows: [], rowCount: 0 };
      }
      return { rows: last.rows, rowCount: last.rowCount ?? last.rows.length };
    } catch (error) {
      throw translateDriverError(error, { operation, server: this.server });
    }
  }
}

/** The `tx` handed to a transaction callback; it rejects queries once the transaction has ended. */
class PostgresTransaction implements Queryable {
  #open = true;

  constructor(
    readonly client: pg.PoolClient,
    private readonly run: (sql: string, params: readonly unknown[] | undefined) => Promise<QueryResult<Row>>,
  ) {}

  async query<T extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>> {
    if (!this.#open) {
      throw transactionClosedError(describeOperation(sql));
    }
    return (await this.run(sql, params)) as QueryResult<T>;
  }

  end(): void {
    this.#open = false;
  }
}

/**
 * Returns `host:port/database` for error messages, and rejects URLs that are not PostgreSQL URLs.
 * The message never repeats the URL, because it can contain a password.
 */
function describeServer(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw new DatabaseError(
      'invalid_configuration',
      'The database URL is not a valid URL; use postgres://user:password@host:5432/database.',
      { cause: error },
    );
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new DatabaseError(
      'invalid_configuration',
      `The database URL has the scheme ${parsed.protocol.replace(/:$/, '')}; it must start with postgres:// or postgresql://.`,
    );
  }
  const host = parsed.hostname || parsed.searchParams.get('host') || 'localhost';
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  return `${host}:${parsed.port || '5432'}/${database}`;
}

/** Aligns `pg`'s column parsing with PGlite's; see type-parsers.ts for the rules. */
const getTypeParser = ((oid: number, format?: 'text' | 'binary') => {
  if (oid === TYPE_OIDS.date) {
    return (value: string) => value;
  }
  if (oid === TYPE_OIDS.dateArray) {
    const textArray: number = TYPE_OIDS.textArray;
    return pg.types.getTypeParser(textArray, format ?? 'text');
  }
  return pg.types.getTypeParser(oid, format ?? 'text');
}) as typeof pg.types.getTypeParser;
