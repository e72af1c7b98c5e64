import { HetznerApiError } from '../errors.js';
import type { RawHandler, TransportRequest } from './types.js';

export interface SendOptions {
  endpoint: string;
  token: string;
  /** Time limit of one HTTP request, including reading the body, in milliseconds. */
  timeoutMs: number;
  userAgent: string;
  fetch: typeof globalThis.fetch;
}

export function buildUrl(endpoint: string, request: TransportRequest): string {
  const url = new URL(endpoint.replace(/\/+$/, '') + request.path);
  for (const [key, value] of Object.entries(request.query ?? {})) {
    if (value === undefined) continue;
    const values = Array.isArray(value) ? value : [value];
    for (const item of values) url.searchParams.append(key, String(item));
  }
  return url.toString();
}

/**
 * Creates the innermost handler: one HTTP request with a timeout and the caller's AbortSignal. Failures
 * without a response become `request_timeout`, `aborted` or `network_error`; their messages and causes are
 * rebuilt so that the token (which only lives in the Authorization header) cannot leak through them.
 */
export function createSender(options: SendOptions): RawHandler {
  const authorization = `Bearer ${options.token}`;

  return async (request) => {
    const timeout = AbortSignal.timeout(options.timeoutMs);
    const signal = request.signal ? AbortSignal.any([timeout, request.signal]) : timeout;
    const headers: Record<string, string> = { authorization, 'user-agent': options.userAgent };
    let body: string | undefined;
    if (request.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(request.body);
    }

    try {
      const response = await options.fetch(buildUrl(options.endpoint, request), {
        method: request.method,
        headers,
        ...(body === undefined ? {} : { body }),
        signal,
      });
      const text = await response.text();
      return { status: response.status, headers: response.headers, text };
    } catch (error) {
      throw toNetworkError(error, request, options, timeout.aborted);
    }
  };
}

function toNetworkError(
  error: unknown,
  request: TransportRequest,
  options: SendOptions,
  timedOut: boolean,
): HetznerApiError {
  const target = `${request.method} ${request.path}`;
  if (timedOut) {
    return new HetznerApiError({
      code: 'request_timeout',
      origin: 'network',
      operation: request.operation,
      message: `${request.operation} (${target}) got no response within ${options.timeoutMs} ms`,
    });
  }
  if (request.signal?.aborted) {
    return new HetznerApiError({
      code: 'aborted',
      origin: 'client',
      operation: request.operation,
      message: `${request.operation} (${target}) aborted by the caller`,
    });
  }
  return new HetznerApiError({
    code: 'network_error',
    origin: 'network',
    operation: request.operation,
    message: `${request.operation} (${target}) failed without a response: ${describe(error, options.token)}`,
    cause: sanitizedCause(error, options.token),
  });
}

/** Describes a fetch failure by its message and its cause's code, with the token cut out. */
function describe(error: unknown, token: string): string {
  const message = error instanceof Error ? error.message : String(error);
  const cause =
    error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  const detail = cause && typeof cause.code === 'string' ? ` (${cause.code})` : '';
  return redact(message + detail, token);
}

/** Copies an error into a plain Error whose message and stack have the token removed. */
function sanitizedCause(error: unknown, token: string): Error {
  const source = error instanceof Error ? error : new Error(String(error));
  const copy = new Error(redact(source.message, token));
  copy.name = source.name;
  copy.stack = redact(source.stack ?? '', token);
  const inner = source.cause as { code?: unknown; message?: unknown } | undefined;
  if (inner && typeof inner === 'object') {
    const innerCopy = new Error(redact(String(inner.message ?? ''), token));
    if (typeof inner.code === 'string') Object.assign(innerCopy, { code: inner.code });
    Object.assign(copy, { cause: innerCopy });
  }
  return copy;
}

export function redact(text: string, token: string): string {
  return token.length === 0 ? text : text.split(token).join('[redacted]');
}
