import type { ActionEngine } from '../action-engine.js';
import type { SimState } from '../state.js';

export interface RequestContext {
  url: URL;
  query: URLSearchParams;
  /** Path parameters by name, for example `id`. */
  params: Record<string, string>;
  /** Parsed JSON body, undefined when the request had none. */
  body: unknown;
}

export interface HandlerResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Handler = (context: RequestContext) => HandlerResult;

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path template as in the OpenAPI document, for example `/volumes/{id}`. */
  path: string;
  operation: string;
  handle: Handler;
}

/** What handlers work on: the project state, the action engine and the limits. */
export interface World {
  state: SimState;
  engine: ActionEngine;
  limits: { volumesPerServer: number; volumeQuota: number };
}

export function idParam(context: RequestContext, name = 'id'): number {
  return Number(context.params[name]);
}

export function bodyObject(context: RequestContext): Record<string, unknown> {
  const { body } = context;
  return typeof body === 'object' && body !== null && !Array.isArray(body)
    ? (body as Record<string, unknown>)
    : {};
}
