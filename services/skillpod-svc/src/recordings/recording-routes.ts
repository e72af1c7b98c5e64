import { Readable } from 'node:stream';
import { badRequest, principalOf, requirePermission, type ServiceApp } from '@skillancer/service-kit';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { checkDeclaredLength, parseContentSha256 } from './chunk-ingest.js';
import { streamRecording } from './playback-handler.js';
import { MAX_CHUNKS } from './recording-record.js';
import type { RecordingService } from './recording-service.js';
import {
  chunkResultSchema,
  errorBody,
  recordingSchema,
  retentionSchema,
  toRecordingView,
} from './recording-view.js';

const podParams = z.object({ podId: z.string().max(64) });
const recordingParams = z.object({ recordingId: z.string().max(64) });
const CHUNK_INDEX = /^(0|[1-9][0-9]{0,5})$/;
const CONTENT_TYPE = /^[a-z]+\/[a-z0-9][a-z0-9.+-]{0,62}(;\s?codecs="?[a-zA-Z0-9.,\s-]{1,100}"?)?$/;

function parseChunkIndex(text: string): number {
  const index = CHUNK_INDEX.test(text) ? Number(text) : Number.NaN;
  if (!(index < MAX_CHUNKS)) {
    throw badRequest(
      'invalid_chunk_index',
      `Chunk index "${text.slice(0, 32)}" is invalid; use an integer from 0 to ${MAX_CHUNKS - 1} without sign or leading zeros`,
      { field: 'params.index' },
    );
  }
  return index;
}

/**
 * Session recording routes. Starting, uploading and completing need `pods:manage` (the recorder acts
 * for the user whose session it records), playback needs `recordings:watch`, and deleting a
 * recording or changing the retention needs `tenant:admin`. Another tenant's recording is a 404.
 */
export function addRecordingRoutes(app: ServiceApp, deps: { recordings: RecordingService }): void {
  const { recordings } = deps;

  app.post(
    '/pods/:podId/recordings',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['recordings'],
        summary: 'Start a session recording of a ready pod',
        description:
          'Returns the new recording in state `recording`. Upload its chunks with PUT /recordings/{recordingId}/chunks/{index}, ' +
          'then complete it. `contentType` is what playback sends as Content-Type (default `video/webm`).',
        security: [{ bearerAuth: [] }],
        params: podParams,
        body: z
          .strictObject({
            contentType: z
              .string()
              .max(200)
              .regex(CONTENT_TYPE, { error: 'must be a media type such as video/webm' })
              .optional(),
          })
          .optional(),
        response: { 201: recordingSchema, 404: errorBody, 409: errorBody },
      },
    },
    async (request, reply) => {
      const principal = requirePermission(request, 'pods:manage');
      const contentType = request.body?.contentType ?? 'video/webm';
      const details = await recordings.start(principal, request.params.podId, { contentType });
      return reply.status(201).send(toRecordingView(details));
    },
  );

  app.get(
    '/pods/:podId/recordings',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['recordings'],
        summary:
          "List a pod's recordings newest first, with state, size, duration, missing chunks and expiry",
        security: [{ bearerAuth: [] }],
        params: podParams,
        querystring: z.strictObject({
          limit: z.coerce.number().int().min(1).max(100).default(50),
          cursor: z.string().max(200).optional().describe('nextCursor of the previous page'),
        }),
        response: {
          200: z.object({ items: z.array(recordingSchema), nextCursor: z.string().nullable() }),
          404: errorBody,
        },
      },
    },
    async (request) => {
      const page = await recordings.list(
        principalOf(request),
        request.params.podId,
        request.query.cursor,
        request.query.limit,
      );
      return { items: page.items.map(toRecordingView), nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/recordings/retention-policy',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['recordings'],
        summary: "The tenant's recording retention in days",
        security: [{ bearerAuth: [] }],
        response: { 200: retentionSchema },
      },
    },
    async (request) => recordings.retention(principalOf(request)),
  );

  app.put(
    '/recordings/retention-policy',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['recordings'],
        summary: "Set the tenant's recording retention in days, or null for the configured default",
        description:
          'Applies to existing recordings too: expiry is creation time plus the current retention.',
        security: [{ bearerAuth: [] }],
        body: z.strictObject({ retentionDays: z.number().int().min(1).max(3650).nullable() }),
        response: { 200: retentionSchema, 403: errorBody },
      },
    },
    async (request) => {
      const principal = requirePermission(request, 'tenant:admin');
      return recordings.setRetention(principal, request.body.retentionDays);
    },
  );

  app.get(
    '/recordings/:recordingId',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['recordings'],
        summary: 'Get a recording: state, size, duration, missing chunks while unfinished, and expiry',
        security: [{ bearerAuth: [] }],
        params: recordingParams,
        response: { 200: recordingSchema, 404: errorBody },
      },
    },
    async (request) =>
      toRecordingView(await recordings.get(principalOf(request), request.params.recordingId)),
  );

  app.post(
    '/recordings/:recordingId/complete',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['recordings'],
        summary: 'Complete a recording: check that no chunk is missing and seal it',
        description:
          'Answers 409 `chunks_missing` with `details.missingChunks` when chunks below `chunkCount` are missing, and ' +
          '409 `chunk_count_mismatch` when chunks at or above it exist. Completing a completed recording again with ' +
          'the same values answers 200 with `idempotent-replayed: true`; other values answer 409 `recording_already_completed`.',
        security: [{ bearerAuth: [] }],
        params: recordingParams,
        body: z.strictObject({
          chunkCount: z.number().int().min(1).max(MAX_CHUNKS),
          durationMs: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
        }),
        response: { 200: recordingSchema, 404: errorBody, 409: errorBody },
      },
    },
    async (request, reply) => {
      const principal = requirePermission(request, 'pods:manage');
      const { details, replayed } = await recordings.complete(
        principal,
        request.params.recordingId,
        request.body,
      );
      if (replayed) void reply.header('idempotent-replayed', 'true');
      return toRecordingView(details);
    },
  );

  app.get(
    '/recordings/:recordingId/stream',
    {
      preHandler: app.authenticate,
      exposeHeadRoute: false,
      schema: {
        tags: ['recordings'],
        summary: 'Play a completed recording, decrypted on the fly; honours Range',
        description:
          'Needs `recordings:watch`. Answers 200 with the whole recording, 206 for one byte range, 416 when the range ' +
          'starts past the end, and 409 `recording_incomplete` for a recording that is not completed. Every playback ' +
          'is an audit event. Several ranges in one header are not served: the whole recording is sent instead.',
        security: [{ bearerAuth: [] }],
        params: recordingParams,
        headers: z.object({
          range: z.string().max(200).optional(),
          'if-range': z.string().max(200).optional(),
        }),
      },
    },
    (request, reply) =>
      streamRecording(
        recordings,
        {
          principal: principalOf(request),
          recordingId: request.params.recordingId,
          range: request.headers.range,
          ifRange: request.headers['if-range'],
          logger: request.log,
        },
        reply,
      ),
  );

  app.delete(
    '/recordings/:recordingId',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['recordings'],
        summary: 'Delete a recording, its objects and rows; the deletion is audited',
        security: [{ bearerAuth: [] }],
        params: recordingParams,
        response: { 204: z.null(), 404: errorBody, 503: errorBody },
      },
    },
    async (request, reply) => {
      const principal = requirePermission(request, 'tenant:admin');
      await recordings.delete(principal, request.params.recordingId);
      return reply.status(204).send(null);
    },
  );

  // The chunk route takes its body as a raw stream, so it lives in its own scope with a parser
  // that hands the request stream over untouched, whatever its content type.
  app.register((plugin, _options, done) => {
    const scope = plugin.withTypeProvider<ZodTypeProvider>();
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    scope.put(
      '/recordings/:recordingId/chunks/:index',
      {
        preHandler: scope.authenticate,
        schema: {
          tags: ['recordings'],
          summary: 'Upload one chunk of a recording (raw body, at most 16 MiB)',
          description:
            'Send the bytes as the body and their SHA-256 as 64 hex digits in `x-content-sha256`; a mismatch is a 400 and ' +
            'nothing is stored. Chunks may arrive in any order. Sending a stored chunk again answers 200 with ' +
            '`idempotent-replayed: true`; other bytes for a stored index answer 409 `chunk_conflict`.',
          security: [{ bearerAuth: [] }],
          params: z.object({ recordingId: z.string().max(64), index: z.string().max(64) }),
          response: {
            200: chunkResultSchema,
            201: chunkResultSchema,
            400: errorBody,
            404: errorBody,
            409: errorBody,
          },
        },
      },
      async (request, reply) => {
        const principal = requirePermission(request, 'pods:manage');
        const index = parseChunkIndex(request.params.index);
        const sha256 = parseContentSha256(request.headers['x-content-sha256']);
        checkDeclaredLength(request.headers['content-length']);
        // The body is not destroyed when the upload stops early (too large, wrong digest), so the
        // error response still reaches the client; Node discards the unread rest of the request.
        const body =
          request.body instanceof Readable ? request.body.iterator({ destroyOnReturn: false }) : emptyBody();
        const result = await recordings.uploadChunk(
          principal,
          request.params.recordingId,
          index,
          body,
          sha256,
        );
        if (result.replayed) void reply.header('idempotent-replayed', 'true');
        return reply.status(result.replayed ? 200 : 201).send({
          recordingId: request.params.recordingId,
          index: result.index,
          sizeBytes: result.plaintextBytes,
          sha256: result.sha256.toString('hex'),
        });
      },
    );
    done();
  });
}

async function* emptyBody(): AsyncGenerator<Uint8Array> {}
