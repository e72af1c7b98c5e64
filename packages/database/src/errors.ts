/** Stable error codes of `DatabaseError`; services map them to HTTP statuses and retries. */
export type DatabaseErrorCode =
  /** A unique constraint or unique index rejected a duplicate (SQLSTATE 23505). */
  | 'unique_violation'
  /** A foreign key points at a missing row, or a referenced row was deleted (SQLSTATE 23503). */
  | 'foreign_key_violation'
  /** A NOT NULL column got a null (SQLSTATE 23502). */
  | 'not_null_violation'
  /** A CHECK constraint rejected the row (SQLSTATE 23514). */
  | 'check_violation'
  /** An exclusion constraint rejected the row (SQLSTATE 23P01). */
  | 'exclusion_violation'
  /** A value has an invalid format or is out of range for its type, such as a malformed UUID (SQLSTATE class 22). */
  | 'data_exception'
  /** A concurrent transaction conflicted with this one; retry the whole transaction (SQLSTATE 40001). */
  | 'serialization_failure'
  /** Two transactions waited on each other; retry the whole transaction (SQLSTATE 40P01). */
  | 'deadlock_detected'
  /** An earlier statement in the transaction failed, so PostgreSQL rolled it back (SQLSTATE 25P02). */
  | 'transaction_aborted'
  /** The statement was canceled, for example by `statement_timeout` (SQLSTATE 57014). */
  | 'query_canceled'
  /** The SQL has a syntax error or names a missing table, column or function (SQLSTATE class 42). */
  | 'invalid_statement'
  /** The database role lacks a privilege (SQLSTATE 42501). */
  | 'insufficient_privilege'
  /** The server could not be reached, or the connection broke (SQLSTATE class 08, 57P01–57P03, socket errors). */
  | 'connection_failed'
  /** The server rejected the credentials (SQLSTATE class 28). */
  | 'authentication_failed'
  /** The database named in the connection URL does not exist (SQLSTATE 3D000). */
  | 'database_not_found'
  /** The server has no free connection slots (SQLSTATE 53300). */
  | 'too_many_connections'
  /** The `Database` was closed before the call. */
  | 'database_closed'
  /** A query ran on a transaction handle after its transaction had ended. */
  | 'transaction_closed'
  /** On PGlite, `db.query()` or `db.transaction()` was called inside a transaction, which would wait forever. */
  | 'transaction_in_progress'
  /** `openDatabase` got an unusable option, such as a URL that is not `postgres://`. */
  | 'invalid_configuration'
  /** A call got an invalid argument, such as an unknown isolation level. */
  | 'invalid_argument'
  /** A migration file is misnamed, duplicated or unreadable. */
  | 'invalid_migration'
  /** An applied migration file was edited after it ran. */
  | 'migration_checksum_mismatch'
  /** A migration's SQL failed; the migration was rolled back. */
  | 'migration_failed'
  /** Waiting for an advisory lock took longer than the caller allowed. */
  | 'lock_timeout'
  /** The database rejected the statement for a reason not listed above. */
  | 'query_failed';

/**
 * The one error class of this package. Drivers translate their failures into it once, in
 * `translateDriverError`. Messages name the operation, constraint, table and column but never a
 * parameter value, because values can hold PHI.
 *
 * `cause` is the driver's original error. Its `detail` (for example `Key (email)=(…) already
 * exists`) and, for SQLSTATE class 22, its message can quote values, so log the fields of this
 * error rather than the cause.
 */
export class DatabaseError extends Error {
  override readonly name = 'DatabaseError';
  readonly code: DatabaseErrorCode;
  /** The five-character SQLSTATE reported by the server, when there was one. */
  readonly sqlState: string | undefined;
  /** The operation that failed, such as `INSERT users` (the SQL verb and the first table). */
  readonly operation: string | undefined;
  readonly constraint: string | undefined;
  readonly table: string | undefined;
  readonly column: string | undefined;

  constructor(
    code: DatabaseErrorCode,
    message: string,
    options: {
      sqlState?: string;
      operation?: string;
      constraint?: string;
      table?: string;
      column?: string;
      cause?: unknown;
    } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.sqlState = options.sqlState;
    this.operation = options.operation;
    this.constraint = options.constraint;
    this.table = options.table;
    this.column = options.column;
  }

  /** True for failures that a retry of the whole transaction can cure. */
  get retryable(): boolean {
    return this.code === 'serialization_failure' || this.code === 'deadlock_detected';
  }
}

/** Returns true when `error` is a `DatabaseError`, optionally with the given code. */
export function isDatabaseError(error: unknown, code?: DatabaseErrorCode): error is DatabaseError {
  return error instanceof DatabaseError && (code === undefined || error.code === code);
}
