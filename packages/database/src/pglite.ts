import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdir } from 'node:fs/promises';
import {
  messages,
  PGlite,
  type Results,
  type Transaction,
  TransactionAbortedError,
} from '@electric-sql/pglite';
import { DatabaseError } from './errors.js';
import { observeCall } from './observe.js';
import { describeOperation } from './operation.js';
import { isolationLevel, transactionAbortedError, transactionClosedError } from './transaction-options.js';
import { closedError, translateDriverError } from './translate-error.js';
import { pgliteParsers } from './type-parsers.js';
import type {
  Database,
  DependencyObserver,
  Queryable,
  QueryResult,
  Row,
  TransactionOptions,
} from './types.js';

export interface PgliteOptions {
  /** Data directory, created if missing; omit it for an in-memory database. One process per directory. */
  dataDir?: string;
  /** A tarball from `dumpDataDir()` to start from instead of running initdb; with `dataDir`, only into an empty directory. */
  loadDataDir?: Blob;
  observer?: DependencyObserver;
}

/** A PGlite database; it can also dump its data directory, which the test harness uses for snapshots. */
export interface PgliteDatabase extends Database {
  readonly engine: 'pglite';
  /** Returns the data directory as an uncompressed tarball that `loadDataDir` accepts. */
  dumpDataDir(): Promise<Blob>;
}

/**
 * Starts PGlite, the PostgreSQL build for WebAssembly, in this process. Creating a new cluster runs
 * initdb and takes seconds. Reopening a directory or loading a snapshot is several times faster.
 *
 * NOTE: nothing stops a second process from opening the same data directory, which would corrupt
 * it. Deployments must run one process per directory.
 */
export async function openPglite(options: PgliteOptions = {}): Promise<PgliteDatabase> {
  const { dataDir, loadDataDir } = options;
  try {
    if (dataDir !== undefined) {
      await mkdir(dataDir, { recursive: true });
    }
    const pglite = await PGlite.create({
      ...(dataDir === undefined ? {} : { dataDir }),
      ...(loadDataDir === undefined ? {} : { loadDataDir }),
      parsers: pgliteParsers,
    });
    return new PgliteEngine(pglite, options.observer);
  } catch (error) {
    const where = dataDir === undefined ? 'in memory' : `on data directory ${dataDir}`;
    const reason = error instanceof Error ? error.message : String(error);
    throw new DatabaseError(
      'connection_failed',
      `Cannot start PGlite ${where}: ${reason}. Check that the directory is writable, holds a PGlite ` +
        'cluster of the same PostgreSQL major version, and is not open in another process.',
      { cause: error },
    );
  }
}

/** Marks the async context of a running transaction callback on one database. */
interface TransactionScope {
  open: boolean;
}

class PgliteEngine implements PgliteDatabase {
  readonly engine = 'pglite' as const;
  #closed = false;
  readonly #inFlight = new Set<Promise<unknown>>();
  readonly #heldLocks = new Set<string>();
  readonly #scope = new AsyncLocalStorage<TransactionScope>();

  constructor(
    private readonly pglite: PGlite,
    private readonly observer: DependencyObserver | undefined,
  ) {}

  async query<T extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>> {
    const operation = describeOperation(sql);
    this.#checkUsable(operation);
    return this.#track(
      observeCall(this.observer, operation, () => run<T>(this.pglite, sql, params, operation)),
    );
  }

  async transaction<T>(work: (tx: Queryable) => Promise<T>, options?: TransactionOptions): Promise<T> {
    const level = isolationLevel(options);
    this.#checkUsable('TRANSACTION');
    // PGlite has one connection. Its transaction() holds a mutex that its top-level query() also
    // takes, so concurrent transactions and queries run one after another and never interleave.
    const transaction = async () => {
      try {
        return await this.pglite.transaction(async (tx) => {
          if (level !== undefined) {
            await run(tx, `SET TRANSACTION ISOLATION LEVEL ${level}`, undefined, 'SET');
          }
          const scope: TransactionScope = { open: true };
          const handle = new PgliteTransaction(tx, scope, this.observer);
          try {
            return await this.#scope.run(scope, () => work(handle));
          } finally {
            scope.open = false;
          }
        });
      } catch (error) {
        throw translateControlError(error);
      }
    };
    return this.#track(observeCall(this.observer, 'TRANSACTION', transaction));
  }

  async tryWithAdvisoryLock<T>(
    lockName: string,
    work: () => Promise<T>,
  ): Promise<{ acquired: true; value: T } | { acquired: false }> {
    if (this.#closed) {
      throw closedError('ADVISORY LOCK');
    }
    // One process owns a PGlite database, so a lock held in this object excludes every other holder.
    if (this.#heldLocks.has(lockName)) {
      return { acquired: false };
    }
    this.#heldLocks.add(lockName);
    try {
      return { acquired: true, value: await work() };
    } finally {
      this.#heldLocks.delete(lockName);
    }
  }

  async ping(): Promise<void> {
    await this.query('SELECT 1');
  }

  async dumpDataDir(): Promise<Blob> {
    this.#checkUsable('DUMP');
    return this.#track(this.pglite.dumpDataDir('none'));
  }

  async close(): Promise<void> {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    await Promise.allSettled([...this.#inFlight]);
    await this.pglite.close();
  }

  #checkUsable(operation: string): void {
    if (this.#closed) {
      throw closedError(operation);
    }
    if (this.#scope.getStore()?.open === true) {
      throw new DatabaseError(
        'transaction_in_progress',
        `${operation} was called on the database inside one of its own transactions. PGlite has a single ` +
          'connection, so the call would wait for the transaction to end and never return. Use the tx ' +
          'passed to the transaction() callback.',
        { operation },
      );
    }
  }

  #track<T>(promise: Promise<T>): Promise<T> {
    this.#inFlight.add(promise);
    const forget = () => this.#inFlight.delete(promise);
    promise.then(forget, forget);
    return promise;
  }
}

/** The `tx` handed to a transaction callback; it rejects queries once the transaction has ended. */
class PgliteTransaction implements Queryable {
  constructor(
    private readonly tx: Transaction,
    private readonly scope: TransactionScope,
    private readonly observer: DependencyObserver | undefined,
  ) {}

  async query<T extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>> {
    const operation = describeOperation(sql);
    if (!this.scope.open) {
      throw transactionClosedError(operation);
    }
    return observeCall(this.observer, operation, () => run<T>(this.tx, sql, params, operation));
  }
}

/**
 * Runs one call on PGlite. Without parameters it uses the simple query protocol (`exec`), which
 * accepts several statements, and returns the last statement's result, as `pg` does for PostgreSQL.
 */
async function run<T extends Row>(
  target: PGlite | Transaction,
  sql: string,
  params: readonly unknown[] | undefined,
  operation: string,
): Promise<QueryResult<T>> {
  try {
    let result: Results<T> | undefined;
    if (params === undefined || params.length === 0) {
      result = (await target.exec(sql)).at(-1) as Results<T> | undefined;
    } else {
      result = await target.query<T>(sql, [...params]);
    }
    if (result === undefined) {
      return { rows: [], rowCount: 0 };
    }
    // PGlite reports affectedRows only for INSERT, UPDATE and DELETE, and 0 for a SELECT.
    return { rows: result.rows, rowCount: Math.max(result.affectedRows ?? 0, result.rows.length) };
  } catch (error) {
    throw translateDriverError(error, { operation });
  }
}

/**
 * Translates failures of PGlite's own BEGIN, COMMIT and ROLLBACK. Errors thrown by the callback
 * pass through unchanged; the callback's queries have already translated theirs.
 */
function translateControlError(error: unknown): unknown {
  if (error instanceof TransactionAbortedError) {
    return transactionAbortedError(error);
  }
  if (error instanceof messages.DatabaseError) {
    return translateDriverError(error, { operation: 'COMMIT' });
  }
  return error;
}
