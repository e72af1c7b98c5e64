export type QueryValue = string | number | boolean | ReadonlyArray<string | number> | undefined;

export interface TransportRequest {
  /** OpenAPI operation id, for example `list_volumes`; used in errors and observer calls. */
  operation: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path below the endpoint, for example `/volumes/42`. */
  path: string;
  /** Query parameters; arrays are sent by repeating the key, as the API expects. */
  query?: Record<string, QueryValue>;
  /** JSON body; omitted from the request when undefined. */
  body?: unknown;
  signal?: AbortSignal;
}

export interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
}

export interface TransportResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON body, or undefined for an empty body (204). */
  body: unknown;
}

export type RawHandler = (request: TransportRequest) => Promise<RawResponse>;

/** Call report for metrics; see `HetznerClientOptions.observer`. */
export interface HetznerCall {
  operation: string;
  durationSeconds: number;
  outcome: 'ok' | 'error';
  errorCode?: string;
}

export type HetznerObserver = (call: HetznerCall) => void;
