import { type StreamKeySource, StreamSealer } from '@skillancer/phi-crypto';
import { AppError, conflict, notFound } from '@skillancer/service-kit';
import type { RecordingRecord } from './recording-record.js';
import type { RecordingRepository } from './recording-repository.js';

/** Record type in the key derivation and seals of recording chunks. */
export const RECORDING_RECORD_TYPE = 'session_recording';

/** Missing or unexpected indexes listed in a 409 response; the count covers all of them. */
const LISTED_INDEXES = 1000;
const SEAL_PAGE = 1000;

export interface CompleteInput {
  chunkCount: number;
  durationMs?: number;
}

/**
 * Completes a recording: checks that chunks 0 to `chunkCount - 1` are all stored and no other,
 * then seals every chunk with its offset in the whole recording and the totals (see
 * `StreamSealer`), in one transaction that locks the recording row. Completing again with the
 * same `chunkCount` and duration returns the recording unchanged (`replayed`); with other values
 * it is a 409.
 */
export async function completeRecording(input: {
  repository: RecordingRepository;
  keys: StreamKeySource;
  tenantId: string;
  recordingId: string;
  request: CompleteInput;
  now: Date;
}): Promise<{ recording: RecordingRecord; replayed: boolean }> {
  const { repository, tenantId, recordingId, request } = input;
  // The key is loaded before the transaction: on PGlite a query outside the transaction would wait for it.
  const sealer = await StreamSealer.forSealing(input.keys, {
    tenantId,
    recordType: RECORDING_RECORD_TYPE,
    recordId: recordingId,
  });
  try {
    return await repository.db.transaction(async (tx) => {
      const recording = await repository.lockForUpdate(tx, tenantId, recordingId);
      if (recording === null) {
        throw notFound(`Recording ${recordingId}`);
      }
      if (recording.state === 'completed') {
        if (recording.chunkCount === request.chunkCount && sameDuration(recording, request)) {
          return { recording, replayed: true };
        }
        throw conflict(
          'recording_already_completed',
          `Recording ${recordingId} was already completed with ${recording.chunkCount} chunks; a completed recording cannot change`,
        );
      }

      const missing = await repository.missingChunks(recordingId, request.chunkCount, LISTED_INDEXES, tx);
      if (missing.total > 0) {
        throw new AppError(
          409,
          'chunks_missing',
          `Recording ${recordingId} lacks ${missing.total} of ${request.chunkCount} chunks; upload them and complete again`,
          { details: { missingChunks: missing.indexes, missingChunkCount: missing.total } },
        );
      }
      const unexpected = await repository.chunkIndexesFrom(
        recordingId,
        request.chunkCount,
        LISTED_INDEXES,
        tx,
      );
      if (unexpected.length > 0) {
        throw new AppError(
          409,
          'chunk_count_mismatch',
          `Recording ${recordingId} has chunks at index ${request.chunkCount} or above, so it has more than ` +
            `${request.chunkCount} chunks; complete it with the real count`,
          { details: { unexpectedChunks: unexpected } },
        );
      }

      const totals = { totalParts: request.chunkCount, totalBytes: recording.receivedBytes };
      let offset = 0;
      let afterIndex = -1;
      for (;;) {
        const chunks = await repository.chunksAfter(recordingId, afterIndex, SEAL_PAGE, tx);
        if (chunks.length === 0) {
          break;
        }
        const seals = chunks.map((chunk) => {
          const seal = sealer.seal(totals, {
            part: chunk.index,
            offset,
            plaintextBytes: chunk.plaintextBytes,
            header: chunk.streamHeader,
          });
          const entry = { index: chunk.index, offset, seal };
          offset += chunk.plaintextBytes;
          return entry;
        });
        await repository.writeSeals(tx, recordingId, seals);
        afterIndex = chunks[chunks.length - 1]?.index ?? afterIndex;
      }

      await repository.markCompleted(tx, recordingId, {
        chunkCount: request.chunkCount,
        totalBytes: offset,
        durationMs: request.durationMs ?? null,
        completedAt: input.now,
      });
      const completed = await repository.find(tenantId, recordingId, tx);
      if (completed === null) {
        throw new Error(`recording ${recordingId} vanished while it was being completed`);
      }
      return { recording: completed, replayed: false };
    });
  } finally {
    sealer.destroy();
  }
}

function sameDuration(recording: RecordingRecord, request: CompleteInput): boolean {
  return request.durationMs === undefined || request.durationMs === recording.durationMs;
}
