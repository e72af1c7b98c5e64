import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { ObjectStorageError, type ObjectStorageErrorCode } from '../errors.js';
import type { ByteRange } from '../types.js';
import type { FilesystemObjectStore } from './store.js';

export interface FilesystemObjectRoutesOptions {
  /** URL path the routes are mounted at; the presigner's `baseUrl` must end with it. */
  prefix: string;
  /** Largest body a presigned PUT may send, in bytes. Defaults to 5 GiB, the S3 single-PUT limit. */
  maxUploadBytes?: number;
}

export interface FilesystemObjectPluginOptions {
  maxUploadBytes?: number;
}

const DEFAULT_MAX_UPLOAD_BYTES = 5 * 1024 ** 3;

const STATUS_BY_CODE: Partial<Record<ObjectStorageErrorCode, number>> = {
  not_found: 404,
  bucket_not_found: 404,
  invalid_token: 403,
  token_expired: 403,
  access_denied: 403,
  invalid_key: 400,
  invalid_metadata: 400,
  invalid_argument: 400,
  length_mismatch: 400,
  upload_failed: 400,
  precondition_failed: 412,
  invalid_range: 416,
};

/**
 * Fastify plugin serving a filesystem store's presigned URLs: `GET <prefix>/<key>` streams the object
 * (with single `Range` support) and `PUT <prefix>/<key>` stores the request body, each only with a
 * valid, unexpired signature from the store's presigner. A PUT needs a Content-Length (411 without
 * one) of at most `maxUploadBytes` (413 above it). The request body is streamed to disk, never
 * buffered, and the plugin's content type parser applies only inside its own scope.
 */
export function filesystemObjectRoutes(
  store: FilesystemObjectStore,
  options: FilesystemObjectPluginOptions = {},
): FastifyPluginAsync {
  const maxUploadBytes = options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES;
  const presigner = store.presigner;
  if (presigner === undefined) {
    throw new ObjectStorageError(
      'invalid_argument',
      `Filesystem bucket "${store.bucket}" has no presigner; pass presign: { secret, baseUrl } to serve presigned URLs.`,
    );
  }
  return async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, payload, done) => {
      done(null, payload);
    });

    scope.get('/*', async (request, reply) => {
      const key = wildcardKey(request);
      try {
        presigner.verify({
          method: 'GET',
          bucket: store.bucket,
          key,
          query: queryOf(request),
          headers: request.headers,
        });
        const range = parseRangeHeader(request.headers.range);
        const object = await store.get(key, range === undefined ? {} : { range });
        reply
          .header('content-type', object.contentType)
          .header('content-length', String(object.contentLength))
          .header('etag', `"${object.etag}"`)
          .header('last-modified', object.lastModified.toUTCString())
          .header('accept-ranges', 'bytes');
        if (object.contentDisposition !== undefined) {
          reply.header('content-disposition', object.contentDisposition);
        }
        if (object.cacheControl !== undefined) {
          reply.header('cache-control', object.cacheControl);
        }
        if (object.range !== undefined) {
          reply
            .code(206)
            .header('content-range', `bytes ${object.range.start}-${object.range.end}/${object.size}`);
        }
        return reply.send(object.body);
      } catch (error) {
        return sendError(request, reply, error);
      }
    });

    scope.put('/*', async (request, reply) => {
      const key = wildcardKey(request);
      try {
        const signed = presigner.verify({
          method: 'PUT',
          bucket: store.bucket,
          key,
          query: queryOf(request),
          headers: request.headers,
        });
        if (signed['content-type'] === undefined) {
          throw new ObjectStorageError(
            'invalid_token',
            'Invalid presigned URL: it does not sign a content type.',
          );
        }
        // Like S3, require a declared length, so that the size limit applies before any byte is stored.
        const declared = request.headers['content-length'];
        if (declared === undefined || !/^\d+$/.test(declared)) {
          return sendStatus(
            request,
            reply,
            411,
            'length_required',
            'Send a Content-Length header with the upload.',
          );
        }
        if (Number(declared) > maxUploadBytes) {
          return sendStatus(
            request,
            reply,
            413,
            'payload_too_large',
            `The upload has ${declared} bytes; the limit is ${maxUploadBytes} bytes.`,
          );
        }
        const result = await store.put(key, request.raw, {
          contentType: signed['content-type'],
          contentLength: Number(declared),
          ...(signed['content-disposition'] === undefined
            ? {}
            : { contentDisposition: signed['content-disposition'] }),
        });
        return reply.code(200).header('etag', `"${result.etag}"`).send();
      } catch (error) {
        return sendError(request, reply, error);
      }
    });
  };
}

/** Mounts `filesystemObjectRoutes(store)` on `app` under `options.prefix`. */
export async function registerFilesystemObjectRoutes(
  app: FastifyInstance,
  store: FilesystemObjectStore,
  options: FilesystemObjectRoutesOptions,
): Promise<void> {
  const pluginOptions =
    options.maxUploadBytes === undefined ? {} : { maxUploadBytes: options.maxUploadBytes };
  await app.register(filesystemObjectRoutes(store, pluginOptions), { prefix: options.prefix });
}

function wildcardKey(request: FastifyRequest): string {
  const params = request.params as Record<string, string | undefined>;
  return params['*'] ?? '';
}

function queryOf(request: FastifyRequest): Record<string, unknown> {
  return (request.query ?? {}) as Record<string, unknown>;
}

/** Parses one `bytes=` range; anything else (several ranges, other units) is ignored, as HTTP allows. */
function parseRangeHeader(value: string | undefined): ByteRange | undefined {
  const match = value === undefined ? null : /^bytes=(\d*)-(\d*)$/.exec(value.trim());
  if (match === null || (match[1] === '' && match[2] === '')) {
    return undefined;
  }
  if (match[1] === '') {
    return { suffixLength: Number(match[2]) };
  }
  return match[2] === '' ? { start: Number(match[1]) } : { start: Number(match[1]), end: Number(match[2]) };
}

function sendError(request: FastifyRequest, reply: FastifyReply, error: unknown): FastifyReply {
  if (!(error instanceof ObjectStorageError)) {
    throw error;
  }
  return sendStatus(request, reply, STATUS_BY_CODE[error.code] ?? 500, error.code, error.message);
}

function sendStatus(
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  code: string,
  message: string,
): FastifyReply {
  // The client may still be sending a PUT body; drain it so the connection stays usable.
  if (!request.raw.readableEnded) {
    request.raw.resume();
  }
  return reply.code(status).send({ error: { code, message, requestId: request.id } });
}
