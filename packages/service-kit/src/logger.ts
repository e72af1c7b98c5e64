import type { FastifyReply, FastifyRequest } from 'fastify';
import type { LoggerOptions } from 'pino';
import { serializeError } from './error-serializer.js';

/**
 * Field names whose values are never logged, at any depth up to three levels: credentials,
 * tokens, keys and PHI. Pino replaces them with `[redacted]`.
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

function redactPaths(): string[] {
  const paths: string[] = [];
  for (const field of REDACTED_FIELDS) {
    if (/^[A-Za-z_$][\w$]*$/.test(field)) {
      paths.push(field, `*.${field}`, `*.*.${field}`);
    } else {
      paths.push(`*["${field}"]`, `*.*["${field}"]`);
    }
  }
  paths.push('req.headers.authorization', 'req.headers.cookie', 'req.headers["x-api-key"]');
  return paths;
}

/** Pino options shared by the services: JSON lines, ISO times, redaction and small request records. */
export function createLoggerOptions(service: string, level: string): LoggerOptions {
  return {
    level,
    base: { service },
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
    redact: { paths: redactPaths(), censor: '[redacted]' },
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
