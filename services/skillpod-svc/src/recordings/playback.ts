import type { ObjectStore } from '@skillancer/object-storage';
import {
  createRangeDecryptor,
  readSealKeyVersion,
  type StreamKeySource,
  StreamSealer,
} from '@skillancer/phi-crypto';
import { AppError } from '@skillancer/service-kit';
import type { ChunkRecord, RecordingRecord } from './recording-record.js';
import type { RecordingRepository } from './recording-repository.js';
import { RECORDING_RECORD_TYPE } from './recording-sealing.js';

/** Chunk rows fetched per query while playing. */
const CHUNK_PAGE = 16;

export interface PlaybackDependencies {
  repository: RecordingRepository;
  store: ObjectStore;
  keys: StreamKeySource;
}

/**
 * Yields the plaintext bytes `range.start` to `range.end` of a completed recording. Only the
 * chunks that overlap the range are read, and of each only the segments that cover it, with one
 * ranged GET per chunk. Before a chunk is read its seal is checked, and the chunk rows must follow
 * each other without a gap, so a removed, moved, replaced or resized chunk stops playback with an
 * error before any of its bytes are produced. Memory stays at one segment per chunk plus the
 * store's read buffer.
 */
export async function* playRecording(
  deps: PlaybackDependencies,
  recording: RecordingRecord,
  range: { start: number; end: number },
): AsyncGenerator<Buffer> {
  const { repository, store, keys } = deps;
  const context = { tenantId: recording.tenantId, recordType: RECORDING_RECORD_TYPE, recordId: recording.id };
  const totals = { totalParts: recording.chunkCount ?? 0, totalBytes: recording.totalBytes ?? 0 };
  const sealers = new Map<number, StreamSealer>();
  let previous: ChunkRecord | undefined;

  try {
    for (;;) {
      const chunks = await repository.chunksCovering(recording.id, range, previous?.index ?? -1, CHUNK_PAGE);
      if (chunks.length === 0) {
        break;
      }
      for (const chunk of chunks) {
        checkContiguous(recording, range, previous, chunk);
        const sealer = await sealerFor(sealers, keys, context, chunk);
        sealer.verify(totals, sealedPart(chunk), chunk.seal ?? '');
        yield* decryptChunk(store, keys, recording, chunk, range);
        previous = chunk;
      }
    }
    const coveredTo =
      previous === undefined ? -1 : (previous.plaintextOffset ?? 0) + previous.plaintextBytes - 1;
    if (coveredTo < range.end) {
      throw integrityError(recording, `no chunk covers byte ${coveredTo + 1}`);
    }
  } finally {
    for (const sealer of sealers.values()) {
      sealer.destroy();
    }
  }
}

async function* decryptChunk(
  store: ObjectStore,
  keys: StreamKeySource,
  recording: RecordingRecord,
  chunk: ChunkRecord,
  range: { start: number; end: number },
): AsyncGenerator<Buffer> {
  const offset = chunk.plaintextOffset ?? 0;
  const decryptor = await createRangeDecryptor(
    keys,
    {
      tenantId: recording.tenantId,
      recordType: RECORDING_RECORD_TYPE,
      recordId: recording.id,
      part: chunk.index,
    },
    {
      header: chunk.streamHeader,
      ciphertextBytes: chunk.ciphertextBytes,
      range: {
        start: Math.max(range.start, offset) - offset,
        end: Math.min(range.end, offset + chunk.plaintextBytes - 1) - offset,
      },
    },
  );
  try {
    const { plan } = decryptor;
    const object = await store.get(chunk.objectKey, {
      range: { start: plan.ciphertextStart, end: plan.ciphertextEnd },
    });
    try {
      for await (const piece of object.body) {
        yield* decryptor.update(piece as Buffer);
      }
      decryptor.final();
    } finally {
      object.body.destroy();
    }
  } finally {
    decryptor.destroy();
  }
}

function checkContiguous(
  recording: RecordingRecord,
  range: { start: number },
  previous: ChunkRecord | undefined,
  chunk: ChunkRecord,
): void {
  const offset = chunk.plaintextOffset ?? -1;
  if (previous === undefined) {
    if (offset > range.start) {
      throw integrityError(recording, `no chunk covers byte ${range.start}`);
    }
    return;
  }
  const expectedOffset = (previous.plaintextOffset ?? 0) + previous.plaintextBytes;
  if (chunk.index !== previous.index + 1 || offset !== expectedOffset) {
    throw integrityError(recording, `chunk ${chunk.index} does not follow chunk ${previous.index}`);
  }
}

async function sealerFor(
  sealers: Map<number, StreamSealer>,
  keys: StreamKeySource,
  context: { tenantId: string; recordType: string; recordId: string },
  chunk: ChunkRecord,
): Promise<StreamSealer> {
  const version = readSealKeyVersion(chunk.seal ?? '');
  let sealer = sealers.get(version);
  if (sealer === undefined) {
    sealer = await StreamSealer.forVerifying(keys, context, version);
    sealers.set(version, sealer);
  }
  return sealer;
}

function sealedPart(chunk: ChunkRecord) {
  return {
    part: chunk.index,
    offset: chunk.plaintextOffset ?? 0,
    plaintextBytes: chunk.plaintextBytes,
    header: chunk.streamHeader,
  };
}

/** Builds the error for a gap in the chunk rows, reported like a failed seal because only a changed database causes it. */
function integrityError(recording: RecordingRecord, reason: string): AppError {
  return new AppError(
    500,
    'recording_corrupted',
    `Recording ${recording.id} failed its integrity check: ${reason}. Report the request id to an operator`,
  );
}
