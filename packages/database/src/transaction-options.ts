import { DatabaseError } from './errors.js';
import type { TransactionOptions } from './types.js';

const ISOLATION_LEVELS: Record<NonNullable<TransactionOptions['isolation']>, string> = {
  'read committed': 'READ COMMITTED',
  'repeatable read': 'REPEATABLE READ',
  serializable: 'SERIALIZABLE',
};

/**
 * Returns the SQL isolation level for `options`, such as `REPEATABLE READ`, or undefined for the
 * server default (read committed). The level comes from a fixed table, never from the caller's text.
 */
export function isolationLevel(options: TransactionOptions | undefined): string | undefined {
  const isolation = options?.isolation;
  if (isolation === undefined) {
    return undefined;
  }
  const level = Object.hasOwn(ISOLATION_LEVELS, isolation) ? ISOLATION_LEVELS[isolation] : undefined;
  if (level === undefined) {
    throw new DatabaseError(
      'invalid_argument',
      `Unknown transaction isolation level ${JSON.stringify(isolation)}; use one of ${Object.keys(ISOLATION_LEVELS).join(', ')}.`,
    );
  }
  return level;
}

/** Creates the error for a transaction whose COMMIT turned into a ROLLBACK because a statement had failed. */
export function transactionAbortedError(cause?: unknown): DatabaseError {
  return new DatabaseError(
    'transaction_aborted',
    'COMMIT failed: a statement in this transaction failed, so PostgreSQL rolled the whole transaction back ' +
      '(SQLSTATE 25P02). Let the error propagate out of transaction(), or use a SAVEPOINT to continue after it.',
    { sqlState: '25P02', operation: 'COMMIT', cause },
  );
}

/** Creates the error for a query on a transaction handle after its transaction ended. */
export function transactionClosedError(operation: string): DatabaseError {
  return new DatabaseError(
    'transaction_closed',
    `${operation} failed: its transaction has already committed or rolled back. ` +
      'Run the query inside the transaction() callback, or on the database itself.',
    { operation },
  );
}
