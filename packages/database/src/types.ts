/** A row as returned by the driver: column name to value. */
export type Row = Record<string, unknown>;

export interface QueryResult<T extends Row = Row> {
  rows: T[];
  /** Rows returned by a SELECT or touched by INSERT, UPDATE or DELETE. */
  rowCount: number;
}

/** Anything that runs SQL with `$1`-style parameters: the database itself or an open transaction. */
export interface Queryable {
  /**
   * Runs one statement with parameters. Without parameters, `sql` may hold several statements
   * separated by semicolons, and the result is the last statement's. Throws `DatabaseError`.
   */
  query<T extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>>;
}

export type DatabaseEngine = 'postgres' | 'pglite';

export interface TransactionOptions {
  isolation?: 'read committed' | 'repeatable read' | 'serializable';
}

/**
 * The one interface the services use for PostgreSQL (production) and PGlite (embedded default).
 * Both engines run the same SQL, so repositories are written once.
 */
export interface Database extends Queryable {
  readonly engine: DatabaseEngine;
  /** Runs `work` in a transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: Queryable) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /**
   * Runs `work` while holding a session-level advisory lock named `lockName`, or returns
   * `{ acquired: false }` at once when another session holds it. Used so that one replica at a time
   * runs a singleton job such as a reconciler or a sweeper.
   */
  tryWithAdvisoryLock<T>(
    lockName: string,
    work: () => Promise<T>,
  ): Promise<{ acquired: true; value: T } | { acquired: false }>;
  /** Runs `SELECT 1`; rejects when the database cannot be reached. */
  ping(): Promise<void>;
  /** Waits for running calls and closes the pool or PGlite. Later calls raise `database_closed`. */
  close(): Promise<void>;
}

/** One finished call to an outside dependency, reported to metrics. */
export interface DependencyCall {
  operation: string;
  durationSeconds: number;
  outcome: 'ok' | 'error';
  /** A stable error code when `outcome` is `error`, such as an SQLSTATE or an API error code. */
  errorCode?: string;
}

export type DependencyObserver = (call: DependencyCall) => void;
