import { Readable } from 'node:stream';
import { AppError, conflict, forbidden, type Principal } from '@skillancer/service-kit';
import type { FastifyBaseLogger, FastifyReply } from 'fastify';
import { playRecording } from './playback.js';
import { parseRangeHeader } from './range-header.js';
import { playbackEvent, userActor } from './recording-audit.js';
import { toRecordingError } from './recording-errors.js';
import type { RecordingRecord } from './recording-record.js';
import type { RecordingService } from './recording-service.js';

const WATCH_PERMISSION = 'recordings:watch';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Strong validator of a completed recording; its bytes never change once sealed. */
function entityTag(recording: RecordingRecord): string {
  return `"${recording.id}"`;
}

/**
 * `GET /recordings/:recordingId/stream`: decrypts a completed recording on the fly, whole (200)
 * or one byte range (206, or 416 when the range starts past the end). Every attempt is audited:
 * a caller without `recordings:watch` as `denied`, a playback as `success` before any byte is
 * sent, and a playback that fails before its first byte as `failure`. If the audit event cannot
 * be stored, nothing is played.
 */
export async function streamRecording(
  service: RecordingService,
  request: {
    principal: Principal;
    recordingId: string;
    range: string | undefined;
    ifRange: string | undefined;
    logger: FastifyBaseLogger;
  },
  reply: FastifyReply,
): Promise<FastifyReply> {
  const { audit } = service.deps;
  const { principal, recordingId } = request;
  if (!principal.permissions.includes(WATCH_PERMISSION)) {
    if (UUID.test(recordingId)) {
      await audit.append(
        playbackEvent({
          tenantId: principal.tenantId,
          actor: userActor(principal),
          recordingId,
          outcome: 'denied',
          details: { reason: 'permission_denied' },
        }),
      );
    }
    throw forbidden(
      'permission_denied',
      `Playing recordings needs the ${WATCH_PERMISSION} permission, which your role (${principal.role}) lacks`,
    );
  }

  const recording = await service.find(principal, recordingId);
  if (recording.state !== 'completed' || recording.totalBytes === null) {
    throw conflict(
      'recording_incomplete',
      `Recording ${recordingId} is not completed yet; upload its missing chunks and complete it before playing`,
    );
  }
  const size = recording.totalBytes;
  const etag = entityTag(recording);
  const ifRange = request.ifRange;
  const range = parseRangeHeader(ifRange === undefined || ifRange === etag ? request.range : undefined, size);
  if (range.kind === 'unsatisfiable') {
    void reply.header('content-range', `bytes */${size}`);
    throw new AppError(
      416,
      'range_not_satisfiable',
      `The requested range starts at or past the end of the recording, which has ${size} bytes`,
    );
  }
  const bytes =
    range.kind === 'partial' ? { start: range.start, end: range.end } : { start: 0, end: size - 1 };
  const length = bytes.end - bytes.start + 1;
  const rangeText = range.kind === 'partial' ? `bytes=${bytes.start}-${bytes.end}` : 'full';
  const event = { tenantId: principal.tenantId, actor: userActor(principal), recordingId };

  // The first piece is decrypted before the status is sent, so a key, seal or storage failure
  // still becomes a proper error response. The piece reaches the client only after the audit event.
  const pieces = playRecording(service.deps, recording, bytes);
  let first: IteratorResult<Buffer>;
  try {
    first = await pieces.next();
  } catch (error) {
    const mapped = toRecordingError(error, recordingId);
    await audit
      .append(
        playbackEvent({
          ...event,
          outcome: 'failure',
          details: { range: rangeText, reason: codeOf(mapped) },
        }),
      )
      .catch((auditError: unknown) =>
        request.logger.error({ err: auditError, recordingId }, 'audit of a failed playback failed'),
      );
    throw mapped;
  }
  try {
    await audit.append(
      playbackEvent({ ...event, outcome: 'success', details: { range: rangeText, bytes: length } }),
    );
  } catch (error) {
    await pieces.return(undefined);
    throw error;
  }

  async function* body(): AsyncGenerator<Buffer> {
    try {
      if (first.done !== true) {
        yield first.value;
      }
      yield* pieces;
    } catch (error) {
      request.logger.error(
        { err: error, recordingId },
        'playback failed after the response started; the client sees a cut response',
      );
      throw error;
    }
  }

  void reply
    .status(range.kind === 'partial' ? 206 : 200)
    .header('content-type', recording.contentType)
    .header('content-length', String(length))
    .header('accept-ranges', 'bytes')
    .header('etag', etag)
    .header('cache-control', 'private, no-store');
  if (range.kind === 'partial') {
    void reply.header('content-range', `bytes ${bytes.start}-${bytes.end}/${size}`);
  }
  return reply.send(Readable.from(body()));
}

function codeOf(error: unknown): string {
  return error instanceof AppError ? error.code : 'internal_error';
}
