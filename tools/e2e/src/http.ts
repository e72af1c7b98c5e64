/** A JSON-over-HTTP client for the flows: every call names the step's expectation when it fails. */
export interface HttpResponse {
  status: number;
  headers: Headers;
  body: Buffer;
  json<T = Record<string, unknown>>(): T;
}

export class FlowError extends Error {}

export async function request(
  method: string,
  url: string,
  options: { token?: string; json?: unknown; body?: Buffer | string; headers?: Record<string, string> } = {},
): Promise<HttpResponse> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | Uint8Array | undefined;
  if (options.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.json);
  } else if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : new Uint8Array(options.body);
  }
  const response = await fetch(url, { method, headers, body, redirect: 'manual' });
  const bytes = Buffer.from(await response.arrayBuffer());
  return {
    status: response.status,
    headers: response.headers,
    body: bytes,
    json: <T>() => JSON.parse(bytes.toString('utf8')) as T,
  };
}

/** Throws a FlowError naming the call when the status differs; the error code of the body is included. */
export function expectStatus(
  response: HttpResponse,
  expected: number | number[],
  call: string,
): HttpResponse {
  const allowed = Array.isArray(expected) ? expected : [expected];
  if (!allowed.includes(response.status)) {
    let code = '';
    try {
      const parsed = response.json<{ error?: { code?: string; message?: string } }>();
      code = parsed.error ? ` (${parsed.error.code}: ${parsed.error.message})` : '';
    } catch {
      code = '';
    }
    throw new FlowError(`${call}: expected HTTP ${allowed.join(' or ')}, got ${response.status}${code}`);
  }
  return response;
}

export function check(condition: boolean, message: string): void {
  if (!condition) throw new FlowError(message);
}
