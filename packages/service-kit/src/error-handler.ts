import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError, type ErrorEnvelope } from './errors.js';

/** Fastify's own error codes and the stable codes the API returns for them. */
const FASTIFY_CODES: Record<string, { status: number; code: string; message: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: {
    status: 400,
    code: 'invalid_json',
    message: 'The request body is not valid JSON',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    status: 400,
    code: 'invalid_json',
    message: 'The request body is empty; send a JSON object or drop the Content-Type header',
  },
  FST_ERR_CTP_BODY_TOO_LARGE: {
    status: 413,
    code: 'payload_too_large',
    message: 'The request body is too large',
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    code: 'unsupported_media_type',
    message: 'This Content-Type is not accepted here; send application/json',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    status: 400,
    code: 'invalid_content_length',
    message: 'The Content-Length header does not match the body',
  },
};

export function sendError(reply: FastifyReply, status: number, envelope: ErrorEnvelope['error']): void {
  void reply.status(status).send({ error: envelope } satisfies ErrorEnvelope);
}

/** Formats a validation issue path such as `body.items[2].quantity`. */
function describeValidation(error: FastifyError): { message: string; field?: string } {
  if (hasZodFastifySchemaValidationErrors(error)) {
    const first = error.validation[0];
    const where = error.validationContext ?? 'body';
    const pathParts = first?.instancePath.split('/').filter(Boolean) ?? [];
    const field = [where, ...pathParts].join('.');
    const detail = first?.message ?? 'is invalid';
    return { message: `${field}: ${detail}`, field };
  }
  return { message: error.message };
}

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const requestId = request.id;

    if (error instanceof AppError) {
      if (error.statusCode >= 500) request.log.error({ err: error }, 'request failed');
      if (error.statusCode === 429 && typeof error.details?.retryAfterSeconds === 'number') {
        void reply.header('retry-after', String(Math.ceil(error.details.retryAfterSeconds)));
      }
      sendError(reply, error.statusCode, {
        code: error.code,
        message: error.message,
        requestId,
        details: error.details,
      });
      return;
    }

    if (error.validation) {
      const { message, field } = describeValidation(error);
      sendError(reply, 400, {
        code: 'validation_failed',
        message,
        requestId,
        details: field ? { field } : undefined,
      });
      return;
    }

    const known = error.code ? FASTIFY_CODES[error.code] : undefined;
    if (known) {
      sendError(reply, known.status, { code: known.code, message: known.message, requestId });
      return;
    }

    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      sendError(reply, error.statusCode, { code: 'bad_request', message: error.message, requestId });
      return;
    }

    request.log.error({ err: error }, 'request failed with an unexpected error');
    sendError(reply, 500, {
      code: 'internal_error',
      message: 'An internal error occurred; retry later and report the request id if it persists',
      requestId,
    });
  });

  app.setNotFoundHandler((request, reply) => {
    sendError(reply, 404, {
      code: 'route_not_found',
      message: `No route matches ${request.method} ${request.url.split('?')[0]}; see /docs for the API`,
      requestId: request.id,
    });
  });
}
