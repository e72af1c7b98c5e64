import { HetznerApiError } from '../errors.js';
import type { RawHandler, RawResponse, TransportRequest } from './types.js';

/** Wraps a handler so that every 4xx or 5xx response is thrown as a `HetznerApiError`. */
export function withErrorDecoding(inner: RawHandler): RawHandler {
  return async (request) => {
    const response = await inner(request);
    if (response.status >= 400) throw decodeError(request, response);
    return response;
  };
}

/**
 * Turns an error response into a `HetznerApiError`: the envelope `{"error": {code, message, details}}`
 * gives the code, otherwise (a proxy page, an empty body) the code is `http_error`.
 */
export function decodeError(request: TransportRequest, response: RawResponse): HetznerApiError {
  const correlationId = response.headers.get('x-correlation-id') ?? undefined;
  const envelope = parseEnvelope(response.text);
  const common = {
    origin: 'api' as const,
    status: response.status,
    operation: request.operation,
    ...(correlationId === undefined ? {} : { correlationId }),
  };
  if (envelope === null) {
    return new HetznerApiError({
      ...common,
      code: 'http_error',
      message: `${request.operation} (${request.method} ${request.path}) failed with HTTP ${response.status} and no error body`,
    });
  }
  return new HetznerApiError({
    ...common,
    code: envelope.code,
    message: `${request.operation} failed: ${envelope.message}`,
    details: envelope.details,
  });
}

function parseEnvelope(
  text: string,
): { code: string; message: string; details: Record<string, unknown> | null } | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const error = (parsed as { error?: unknown }).error;
  if (typeof error !== 'object' || error === null) return null;
  const { code, message, details } = error as { code?: unknown; message?: unknown; details?: unknown };
  if (typeof code !== 'string') return null;
  return {
    code,
    message: typeof message === 'string' ? message : code,
    details: typeof details === 'object' && details !== null ? (details as Record<string, unknown>) : null,
  };
}
