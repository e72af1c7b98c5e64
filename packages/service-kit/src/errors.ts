/**
 * An error meant for the API client: a stable snake_case code, an HTTP status and a message that
 * states what is wrong and how to fix it. Any other error becomes a 500 `internal_error` whose
 * details stay in the log.
 */
export class AppError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    options?: { cause?: unknown; details?: Record<string, unknown> },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.details = options?.details;
  }

  readonly details: Record<string, unknown> | undefined;
}

export const badRequest = (code: string, message: string, details?: Record<string, unknown>) =>
  new AppError(400, code, message, { details });

export const unauthorized = (code: string, message: string) => new AppError(401, code, message);

export const forbidden = (code: string, message: string) => new AppError(403, code, message);

/** Also used for resources of another tenant, so that their existence is not revealed. */
export const notFound = (resource: string) => new AppError(404, 'not_found', `${resource} was not found`);

export const conflict = (code: string, message: string) => new AppError(409, code, message);

export const unsupportedMediaType = (code: string, message: string) => new AppError(415, code, message);

export const unprocessable = (code: string, message: string, details?: Record<string, unknown>) =>
  new AppError(422, code, message, { details });

export const tooManyRequests = (message: string, retryAfterSeconds: number) =>
  new AppError(429, 'rate_limited', message, { details: { retryAfterSeconds } });

export const serviceUnavailable = (code: string, message: string, cause?: unknown) =>
  new AppError(503, code, message, { cause });

/** The body of every error response. */
export interface ErrorEnvelope {
  error: { code: string; message: string; requestId: string; details?: Record<string, unknown> };
}
