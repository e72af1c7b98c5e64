import type { Action } from './types.js';

/** Error codes documented by the Hetzner Cloud API, plus volume codes seen in practice. */
export type HetznerApiCode =
  | 'json_error'
  | 'unauthorized'
  | 'token_readonly'
  | 'forbidden'
  | 'maintenance'
  | 'resource_limit_exceeded'
  | 'not_found'
  | 'method_not_allowed'
  | 'uniqueness_error'
  | 'conflict'
  | 'deprecated_api_endpoint'
  | 'resource_unavailable'
  | 'invalid_input'
  | 'service_error'
  | 'unsupported_error'
  | 'locked'
  | 'protected'
  | 'rate_limit_exceeded'
  | 'server_error'
  | 'bad_gateway'
  | 'unavailable'
  | 'timeout'
  | 'no_space_left_in_location'
  | 'volume_already_attached'
  | 'limit_exceeded_error';

/** Codes the client raises itself, without an API error envelope. */
export type HetznerClientCode =
  | 'invalid_input'
  | 'action_failed'
  | 'action_timeout'
  | 'action_not_found'
  | 'request_timeout'
  | 'network_error'
  | 'aborted'
  | 'http_error'
  | 'invalid_response';

export type HetznerErrorCode = HetznerApiCode | HetznerClientCode;

/**
 * Where an error arose: `client` before any request was sent (validation) or while waiting,
 * `api` from an API response, `network` when no response arrived.
 */
export type HetznerErrorOrigin = 'client' | 'api' | 'network';

export interface HetznerApiErrorInit {
  code: HetznerErrorCode | (string & {});
  message: string;
  origin: HetznerErrorOrigin;
  status?: number;
  details?: Record<string, unknown> | null;
  correlationId?: string;
  operation?: string;
  action?: Action;
  cause?: unknown;
}

/**
 * The one error class of `@skillancer/hetzner-cloud`. It never contains the API token: messages and
 * causes are built from the response body, the operation name and the path only.
 */
export class HetznerApiError extends Error {
  override readonly name = 'HetznerApiError';
  readonly code: string;
  readonly origin: HetznerErrorOrigin;
  /** HTTP status of the response; undefined when no response was involved. */
  readonly status: number | undefined;
  readonly details: Record<string, unknown> | null;
  /** Value of the `X-Correlation-Id` response header, which Hetzner support asks for. */
  readonly correlationId: string | undefined;
  /** OpenAPI operation id of the request, for example `create_volume`. */
  readonly operation: string | undefined;
  /** The failed action, for `action_failed`. */
  readonly action: Action | undefined;

  constructor(init: HetznerApiErrorInit) {
    const suffix = init.correlationId
      ? ` (${init.code}, correlation id ${init.correlationId})`
      : ` (${init.code})`;
    super(init.message + suffix, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = init.code;
    this.origin = init.origin;
    this.status = init.status;
    this.details = init.details ?? null;
    this.correlationId = init.correlationId;
    this.operation = init.operation;
    this.action = init.action;
  }
}

/** Tells whether `error` is a `HetznerApiError`, optionally with one of `codes`. */
export function isHetznerError(error: unknown, ...codes: HetznerErrorCode[]): error is HetznerApiError {
  return (
    error instanceof HetznerApiError && (codes.length === 0 || codes.includes(error.code as HetznerErrorCode))
  );
}

/** Builds the error for input the client rejects before sending anything. */
export function invalidInput(field: string, problem: string): HetznerApiError {
  return new HetznerApiError({
    code: 'invalid_input',
    origin: 'client',
    message: `invalid input in field '${field}': ${problem}`,
    details: { fields: [{ name: field, messages: [problem] }] },
  });
}
