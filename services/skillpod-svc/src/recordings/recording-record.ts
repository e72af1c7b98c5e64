import type { Row } from '@skillancer/database';

export type RecordingState = 'recording' | 'completed' | 'deleting';

/** Highest chunk index plus one: a recording has at most 100,000 chunks. */
export const MAX_CHUNKS = 100_000;

/** Largest chunk body: 16 MiB. */
export const MAX_CHUNK_BYTES = 16 * 1024 * 1024;

/** One row of `recordings`, with the upload progress and expiry computed by the query. */
export interface RecordingRecord {
  id: string;
  tenantId: string;
  podId: string;
  startedBy: string | null;
  state: RecordingState;
  contentType: string;
  /** Random UUID in the object keys, unrelated to `id`. */
  storageId: string;
  /** Declared at completion. */
  chunkCount: number | null;
  /** Plaintext bytes, fixed at completion. */
  totalBytes: number | null;
  durationMs: number | null;
  createdAt: Date;
  completedAt: Date | null;
  expiresAt: Date;
  /** Chunks stored so far and their plaintext bytes. */
  receivedChunks: number;
  receivedBytes: number;
  /** Highest chunk index stored, or null before the first chunk. */
  highestChunkIndex: number | null;
}

/** One row of `recording_chunks`. */
export interface ChunkRecord {
  recordingId: string;
  index: number;
  objectKey: string;
  plaintextBytes: number;
  ciphertextBytes: number;
  sha256: Buffer;
  streamHeader: Buffer;
  /** Set when the recording was completed. */
  plaintextOffset: number | null;
  seal: string | null;
}

/**
 * Selects recordings with their expiry and upload progress. `$1` is the default retention in days,
 * used for tenants without a policy row.
 */
export const RECORDING_SELECT = `
  SELECT r.id, r.tenant_id, r.pod_id, r.started_by, r.state, r.content_type, r.storage_id, r.chunk_count,
         r.total_bytes, r.duration_ms, r.created_at, r.completed_at,
         r.created_at + make_interval(days => coalesce(p.retention_days, $1::integer)) AS expires_at,
         progress.received_chunks, progress.received_bytes, progress.highest_chunk_index
    FROM recordings r
    LEFT JOIN recording_retention_policies p ON p.tenant_id = r.tenant_id
    CROSS JOIN LATERAL (
      SELECT count(*) AS received_chunks,
             coalesce(sum(c.plaintext_bytes), 0) AS received_bytes,
             max(c.chunk_index) AS highest_chunk_index
        FROM recording_chunks c
       WHERE c.recording_id = r.id
    ) AS progress`;

export const CHUNK_COLUMNS = `recording_id, chunk_index, object_key, plaintext_bytes, ciphertext_bytes, sha256,
  stream_header, plaintext_offset, seal`;

function toNumber(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

export function toRecordingRecord(row: Row): RecordingRecord {
  return {
    id: row.id as string,
    tenantId: row.tenant_id as string,
    podId: row.pod_id as string,
    startedBy: (row.started_by as string | null) ?? null,
    state: row.state as RecordingState,
    contentType: row.content_type as string,
    storageId: row.storage_id as string,
    chunkCount: toNumber(row.chunk_count),
    totalBytes: toNumber(row.total_bytes),
    durationMs: toNumber(row.duration_ms),
    createdAt: row.created_at as Date,
    completedAt: (row.completed_at as Date | null) ?? null,
    expiresAt: row.expires_at as Date,
    receivedChunks: Number(row.received_chunks),
    receivedBytes: Number(row.received_bytes),
    highestChunkIndex: toNumber(row.highest_chunk_index),
  };
}

export function toChunkRecord(row: Row): ChunkRecord {
  return {
    recordingId: row.recording_id as string,
    index: Number(row.chunk_index),
    objectKey: row.object_key as string,
    plaintextBytes: Number(row.plaintext_bytes),
    ciphertextBytes: Number(row.ciphertext_bytes),
    sha256: row.sha256 as Buffer,
    streamHeader: row.stream_header as Buffer,
    plaintextOffset: toNumber(row.plaintext_offset),
    seal: (row.seal as string | null) ?? null,
  };
}
