import type { FastifyReply, FastifyRequest } from 'fastify';
import type { LoggerOptions } from 'pino';
import { serializeError } from './error-serializer.js';

/**
 * Field names whose values are never logged: credentials, tokens, keys and PHI. They are replaced
 * with `[redacted]` in plain objects and arrays at any depth up to `MAX_REDACTION_DEPTH`.
 */
export const REDACTED_FIELDS = [
  'authorization',
  'cookie',
  'set-cookie',
  'password',
  'newPassword',
  'currentPassword',
  'token',
  'accessToken',
  'refreshToken',
  'idToken',
  'secret',
  'secretAccessKey',
  'apiToken',
  'masterKey',
  'privateKey',
  'key',
  'ssn',
  'dateOfBirth',
  'phone',
  'address',
  'taxId',
  'medicalRecordNumber',
  'insuranceId',
  'value',
  'values',
  'plaintext',
] as const;

const REDACTED = new Set<string>(REDACTED_FIELDS.map((field) => field.toLowerCase()));
const CENSOR = '[redacted]';
const MAX_REDACTION_DEPTH = 8;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * Returns a copy of `value` with the redacted fields censored. Only plain objects and arrays are
 * walked: class instances such as requests and errors go through their serializers, which keep an
 * allowlist of fields.
 */
function redact(value: unknown, depth: number): unknown {
  if (depth > MAX_REDACTION_DEPTH) return value;
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  if (!isPlainObject(value)) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    copy[key] = REDACTED.has(key.toLowerCase()) ? CENSOR : redact(field, depth + 1);
  }
  return copy;
}

/** Pino options shared by the services: JSON lines, ISO times, redaction and small request records. */
export function createLoggerOptions(service: string, level: string): LoggerOptions {
  return {
    level,
    base: { service },
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
    // Redaction runs in the log formatter, so only lines that are written pay for it. Pino's `redact`
    // option also runs on every child logger's bindings, and Fastify makes one child per request.
    formatters: { log: (object) => redact(object, 0) as Record<string, unknown> },
    serializers: {
      err: serializeError,
      // Only an allowlist of request fields: the query string is dropped because presigned URLs and
      // search parameters carry signatures and personal data.
      req: (request: FastifyRequest) => ({
        method: request.method,
        path: request.url.split('?')[0],
        route: request.routeOptions?.url,
        remoteAddress: request.ip,
      }),
      res: (reply: FastifyReply) => ({ statusCode: reply.statusCode }),
    },
  };
}
