const MAX_CAUSE_DEPTH = 4;

/** Error classes whose messages are written for the log and never contain values. */
const TRUSTED_MESSAGES = new Set(['AppError', 'DatabaseError', 'ConfigError']);

/**
 * Serializes an error for the log with only its type, code, message and stack, and the same for its
 * causes. Driver errors quote the offending values (an invalid UUID, a duplicate key), which may be
 * PHI, so quoted text in the message of any other error class is replaced, and fields such as
 * `detail`, `parameters` or `where` are never copied.
 */
export function serializeError(error: unknown, depth = 0): Record<string, unknown> {
  if (!(error instanceof Error)) return { type: typeof error, message: '[non-error value]' };
  const record = error as Error & { code?: unknown; sqlState?: unknown; statusCode?: unknown };
  const trusted = TRUSTED_MESSAGES.has(error.name);
  const serialized: Record<string, unknown> = {
    type: error.name,
    message: trusted ? error.message : error.message.replace(/"[^"]*"|'[^']*'/g, '"[redacted]"'),
  };
  if (typeof record.code === 'string' || typeof record.code === 'number') serialized.code = record.code;
  if (typeof record.sqlState === 'string') serialized.sqlState = record.sqlState;
  if (typeof record.statusCode === 'number') serialized.statusCode = record.statusCode;
  if (depth === 0 && error.stack) serialized.stack = error.stack;
  if (error.cause !== undefined && depth < MAX_CAUSE_DEPTH)
    serialized.cause = serializeError(error.cause, depth + 1);
  return serialized;
}
