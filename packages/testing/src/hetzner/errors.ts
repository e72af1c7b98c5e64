/** Standard HTTP status of each API error code the simulator sends. */
export const STATUS_OF_CODE: Record<string, number> = {
  json_error: 400,
  unauthorized: 401,
  forbidden: 403,
  resource_limit_exceeded: 403,
  not_found: 404,
  method_not_allowed: 405,
  uniqueness_error: 409,
  conflict: 409,
  invalid_input: 422,
  service_error: 422,
  volume_already_attached: 422,
  limit_exceeded_error: 422,
  locked: 423,
  protected: 423,
  rate_limit_exceeded: 429,
  server_error: 500,
  bad_gateway: 502,
  unavailable: 503,
  timeout: 504,
};

/** An API error answer: thrown by handlers and turned into the `{"error": {...}}` envelope. */
export class ApiFault extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: Record<string, unknown> | null;

  constructor(
    code: string,
    message: string,
    details: Record<string, unknown> | null = null,
    status?: number,
  ) {
    super(message);
    this.code = code;
    this.status = status ?? STATUS_OF_CODE[code] ?? 500;
    this.details = details;
  }

  toBody(): { error: { code: string; message: string; details: Record<string, unknown> | null } } {
    return { error: { code: this.code, message: this.message, details: this.details } };
  }
}

export function invalidField(field: string, problem: string): ApiFault {
  return new ApiFault('invalid_input', `invalid input in field '${field}': ${problem}`, {
    fields: [{ name: field, messages: [problem] }],
  });
}

export function notFound(what: string): ApiFault {
  return new ApiFault('not_found', `${what} not found`);
}

export function locked(what: 'server' | 'volume'): ApiFault {
  return new ApiFault('locked', `cannot perform operation because ${what} is locked`);
}
