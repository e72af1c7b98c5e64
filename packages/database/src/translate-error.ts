import { DatabaseError, type DatabaseErrorCode } from './errors.js';

/** Context of a failed call: the operation and, for PostgreSQL, `host:port/database` (never the password). */
export interface ErrorContext {
  operation: string;
  server?: string;
}

/** The fields that both `pg` and PGlite put on an error reported by the server. */
interface ServerErrorFields {
  code: string;
  severity?: string;
  message: string;
  constraint?: string;
  table?: string;
  column?: string;
}

const SOCKET_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);

/** Messages of `pg` and `pg-pool` errors that carry no code but mean the connection is gone. */
const CONNECTION_MESSAGES = [
  'timeout exceeded when trying to connect',
  'Connection terminated',
  'Client has encountered a connection error',
  'Client was closed and is not queryable',
];

/**
 * Translates an error thrown by `pg` or PGlite into a `DatabaseError`. Errors that already are
 * `DatabaseError`s pass through unchanged, so layers can call this without double wrapping.
 */
export function translateDriverError(error: unknown, context: ErrorContext): DatabaseError {
  if (error instanceof DatabaseError) {
    return error;
  }
  const serverError = asServerError(error);
  if (serverError !== undefined) {
    return fromServerError(serverError, error, context);
  }

  const socketCode = socketErrorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  if (socketCode !== undefined || CONNECTION_MESSAGES.some((prefix) => message.startsWith(prefix))) {
    const reason = socketCode ?? message;
    return new DatabaseError(
      'connection_failed',
      `${context.operation} failed: cannot reach PostgreSQL${serverSuffix(context)} (${reason}). ` +
        'Check DATABASE_URL and that the server is running and accepts connections.',
      { operation: context.operation, cause: error },
    );
  }
  if (message.includes('after calling end on the pool') || message.includes('PGlite is closed')) {
    return closedError(context.operation, error);
  }
  const kind = error instanceof Error ? error.name : typeof error;
  return new DatabaseError(
    'query_failed',
    `${context.operation} failed in the database driver (${kind}). Check the SQL and the parameter types.`,
    { operation: context.operation, cause: error },
  );
}

/** Creates the error for any call made after `close()`. */
export function closedError(operation: string, cause?: unknown): DatabaseError {
  return new DatabaseError(
    'database_closed',
    `${operation} failed: the database was closed. Open a new one with openDatabase().`,
    { operation, cause },
  );
}

function fromServerError(fields: ServerErrorFields, original: unknown, context: ErrorContext): DatabaseError {
  // PGlite copies the query parameters onto its errors; drop them so that they cannot reach a log.
  if (original !== null && typeof original === 'object' && 'params' in original) {
    Reflect.deleteProperty(original, 'params');
  }
  const code = codeForSqlState(fields.code);
  const message =
    `${context.operation} failed${describeTarget(fields)}: ${explain(code, fields, context)} ` +
    `(SQLSTATE ${fields.code}).`;
  return new DatabaseError(code, message, {
    sqlState: fields.code,
    operation: context.operation,
    constraint: fields.constraint,
    table: fields.table,
    column: fields.column,
    cause: original,
  });
}

/** Maps a SQLSTATE to a stable code: exact conditions first, then the class (first two characters). */
export function codeForSqlState(sqlState: string): DatabaseErrorCode {
  const exact: Record<string, DatabaseErrorCode> = {
    '23505': 'unique_violation',
    '23503': 'foreign_key_violation',
    '23502': 'not_null_violation',
    '23514': 'check_violation',
    '23P01': 'exclusion_violation',
    '40001': 'serialization_failure',
    '40P01': 'deadlock_detected',
    '25P02': 'transaction_aborted',
    '57014': 'query_canceled',
    '42501': 'insufficient_privilege',
    '3D000': 'database_not_found',
    '53300': 'too_many_connections',
    '57P01': 'connection_failed',
    '57P02': 'connection_failed',
    '57P03': 'connection_failed',
    // A protocol violation is almost always a wrong parameter count, not a broken connection.
    '08P01': 'query_failed',
  };
  const byCondition = exact[sqlState];
  if (byCondition !== undefined) {
    return byCondition;
  }
  switch (sqlState.slice(0, 2)) {
    case '08':
      return 'connection_failed';
    case '22':
      return 'data_exception';
    case '28':
      return 'authentication_failed';
    case '42':
      return 'invalid_statement';
    default:
      return 'query_failed';
  }
}

/** Explains the reason and the fix in words that never contain a parameter value. */
function explain(code: DatabaseErrorCode, fields: ServerErrorFields, context: ErrorContext): string {
  switch (code) {
    case 'unique_violation':
      return 'a row with the same key already exists';
    case 'foreign_key_violation':
      return 'the row references a missing row, or is still referenced by another row';
    case 'not_null_violation':
      return 'a required column got a null value';
    case 'check_violation':
      return 'the row does not satisfy a check constraint';
    case 'exclusion_violation':
      return 'the row conflicts with an existing row under an exclusion constraint';
    case 'data_exception':
      return 'a value has an invalid format or is out of range for its column type';
    case 'serialization_failure':
      return 'a concurrent transaction changed the same data; retry the whole transaction';
    case 'deadlock_detected':
      return 'two transactions waited on each other; retry the whole transaction';
    case 'transaction_aborted':
      return 'an earlier statement in this transaction failed, so the transaction was rolled back';
    case 'query_canceled':
      return 'the statement was canceled, for example by statement_timeout';
    case 'invalid_statement':
      // Analysis errors ("relation "x" does not exist") come from the SQL text, not from parameter values.
      return `${fields.message}; fix the SQL or run the migrations (npm run db:migrate)`;
    case 'insufficient_privilege':
      return 'the database role lacks a privilege for this statement; grant it or use another role';
    case 'connection_failed':
      return `the connection to PostgreSQL${serverSuffix(context)} was closed by the server; retry`;
    case 'authentication_failed':
      return `PostgreSQL${serverSuffix(context)} rejected the credentials; check the user and password in DATABASE_URL`;
    case 'database_not_found':
      return `the database named in DATABASE_URL does not exist${serverSuffix(context)}; create it or fix the URL`;
    case 'too_many_connections':
      return 'the server has no free connection slots; lower poolSize or raise max_connections';
    default:
      return `the server rejected the statement with severity ${fields.severity ?? 'ERROR'}`;
  }
}

function describeTarget(fields: ServerErrorFields): string {
  const parts: string[] = [];
  if (fields.table) parts.push(`table ${fields.table}`);
  if (fields.column) parts.push(`column ${fields.column}`);
  if (fields.constraint) parts.push(`constraint ${fields.constraint}`);
  return parts.length === 0 ? '' : ` on ${parts.join(', ')}`;
}

function serverSuffix(context: ErrorContext): string {
  return context.server === undefined ? '' : ` at ${context.server}`;
}

function asServerError(error: unknown): ServerErrorFields | undefined {
  if (!(error instanceof Error)) {
    return undefined;
  }
  const fields = error as Error & Partial<ServerErrorFields>;
  // A SQLSTATE has five characters. Only server errors carry `severity`, which rules out a five-letter errno such as EPIPE.
  if (typeof fields.code === 'string' && /^[0-9A-Z]{5}$/.test(fields.code) && 'severity' in fields) {
    return fields as ServerErrorFields;
  }
  return undefined;
}

function socketErrorCode(error: unknown): string | undefined {
  if (error === null || typeof error !== 'object') {
    return undefined;
  }
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && SOCKET_ERROR_CODES.has(code)) {
    return code;
  }
  // Node reports a failed connect to every address of a host as an AggregateError.
  if (error instanceof AggregateError) {
    for (const inner of error.errors) {
      const innerCode = socketErrorCode(inner);
      if (innerCode !== undefined) return innerCode;
    }
  }
  return undefined;
}
