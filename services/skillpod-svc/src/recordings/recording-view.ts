import { z } from 'zod';
import type { RecordingDetails } from './recording-service.js';

/** A recording as the API returns it. Object keys and the storage id stay internal. */
export const recordingSchema = z.object({
  id: z.uuid(),
  podId: z.uuid(),
  state: z
    .enum(['recording', 'completed'])
    .describe('`recording` accepts chunks (also to resume after a cut); `completed` is sealed and playable'),
  contentType: z.string(),
  chunkCount: z.number().int().nullable().describe('Number of chunks, fixed at completion'),
  receivedChunks: z.number().int(),
  sizeBytes: z.number().int().describe('Plaintext bytes: the sealed total, or the bytes received so far'),
  durationMs: z.number().int().nullable().describe('Duration the recorder reported at completion'),
  missingChunks: z
    .array(z.number().int())
    .describe('Indexes below the highest received one that are not stored yet (at most 1000 listed)'),
  missingChunkCount: z.number().int(),
  createdAt: z.string(),
  completedAt: z.string().nullable(),
  expiresAt: z.string().describe('When the retention sweeper deletes the recording'),
});

export type RecordingView = z.infer<typeof recordingSchema>;

export function toRecordingView(details: RecordingDetails): RecordingView {
  const { recording, missing } = details;
  return {
    id: recording.id,
    podId: recording.podId,
    state: recording.state === 'completed' ? 'completed' : 'recording',
    contentType: recording.contentType,
    chunkCount: recording.chunkCount,
    receivedChunks: recording.receivedChunks,
    sizeBytes: recording.totalBytes ?? recording.receivedBytes,
    durationMs: recording.durationMs,
    missingChunks: missing.indexes,
    missingChunkCount: missing.total,
    createdAt: recording.createdAt.toISOString(),
    completedAt: recording.completedAt?.toISOString() ?? null,
    expiresAt: recording.expiresAt.toISOString(),
  };
}

export const chunkResultSchema = z.object({
  recordingId: z.uuid(),
  index: z.number().int(),
  sizeBytes: z.number().int(),
  sha256: z.string(),
});

export const retentionSchema = z.object({
  retentionDays: z.number().int(),
  isDefault: z
    .boolean()
    .describe('True when the tenant has no policy of its own and the configured default applies'),
});

export const errorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    requestId: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
});
