import type { Database, Queryable } from '@skillancer/database';
import type { PodCursor } from '../pods/cursor.js';
import {
  CHUNK_COLUMNS,
  type ChunkRecord,
  RECORDING_SELECT,
  type RecordingRecord,
  type RecordingState,
  toChunkRecord,
  toRecordingRecord,
} from './recording-record.js';

export interface NewRecording {
  id: string;
  tenantId: string;
  podId: string;
  startedBy: string;
  contentType: string;
  storageId: string;
  createdAt: Date;
}

export type NewChunk = Omit<ChunkRecord, 'plaintextOffset' | 'seal'>;

/** Outcome of storing a chunk row: stored, an earlier row for the index, or the recording's state forbids it. */
export type ChunkInsertOutcome =
  | { outcome: 'inserted' }
  | { outcome: 'exists'; chunk: ChunkRecord }
  | { outcome: 'not_recording'; state: RecordingState | 'gone' };

/** A recording whose objects and row are to be removed. */
export interface DeletionTarget {
  id: string;
  tenantId: string;
  storageId: string;
}

/** SQL of the recording tables. Reads that return recordings compute expiry from the retention policy. */
export class RecordingRepository {
  readonly #db: Database;
  readonly #defaultRetentionDays: number;

  constructor(db: Database, defaultRetentionDays: number) {
    this.#db = db;
    this.#defaultRetentionDays = defaultRetentionDays;
  }

  get db(): Database {
    return this.#db;
  }

  /** Returns the state of a pod of the tenant that is not deleted, or null. */
  async podState(tenantId: string, podId: string): Promise<string | null> {
    const { rows } = await this.#db.query<{ state: string }>(
      'SELECT state FROM pods WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL',
      [podId, tenantId],
    );
    return rows[0]?.state ?? null;
  }

  async insert(recording: NewRecording): Promise<RecordingRecord> {
    await this.#db.query(
      `INSERT INTO recordings (id, tenant_id, pod_id, started_by, state, content_type, storage_id, created_at)
       VALUES ($1, $2, $3, $4, 'recording', $5, $6, $7)`,
      [
        recording.id,
        recording.tenantId,
        recording.podId,
        recording.startedBy,
        recording.contentType,
        recording.storageId,
        recording.createdAt,
      ],
    );
    const found = await this.find(recording.tenantId, recording.id);
    if (found === null) {
      throw new Error(`recording ${recording.id} is missing right after it was inserted`);
    }
    return found;
  }

  /** Returns a recording of the tenant, or null when it does not exist or is being deleted. */
  async find(tenantId: string, id: string, tx: Queryable = this.#db): Promise<RecordingRecord | null> {
    const { rows } = await tx.query(
      `${RECORDING_SELECT} WHERE r.id = $2 AND r.tenant_id = $3 AND r.state <> 'deleting'`,
      [this.#defaultRetentionDays, id, tenantId],
    );
    const [row] = rows;
    return row === undefined ? null : toRecordingRecord(row);
  }

  /**
   * Returns, in one query, the state and storage id of a recording of the tenant that is not being
   * deleted, and its chunk at `index` if one is stored. Returns null when there is no such
   * recording. Chunk uploads use it because it skips the progress aggregate of `find`.
   */
  async findForUpload(
    tenantId: string,
    id: string,
    index: number,
  ): Promise<{ state: RecordingState; storageId: string; chunk: ChunkRecord | null } | null> {
    const { rows } = await this.#db.query(
      `SELECT r.state, r.storage_id, c.recording_id, c.chunk_index, c.object_key, c.plaintext_bytes,
              c.ciphertext_bytes, c.sha256, c.stream_header, c.plaintext_offset, c.seal
         FROM recordings r
         LEFT JOIN recording_chunks c ON c.recording_id = r.id AND c.chunk_index = $3
        WHERE r.id = $1 AND r.tenant_id = $2 AND r.state <> 'deleting'`,
      [id, tenantId, index],
    );
    const [row] = rows;
    if (row === undefined) {
      return null;
    }
    return {
      state: row.state as RecordingState,
      storageId: row.storage_id as string,
      chunk: row.recording_id === null ? null : toChunkRecord(row),
    };
  }

  /** Lists a pod's recordings newest first, after `cursor` when given. */
  async list(
    tenantId: string,
    podId: string,
    cursor: PodCursor | null,
    limit: number,
  ): Promise<RecordingRecord[]> {
    const { rows } = await this.#db.query(
      `${RECORDING_SELECT}
        WHERE r.tenant_id = $2 AND r.pod_id = $3 AND r.state <> 'deleting'
          AND ($4::timestamptz IS NULL OR (r.created_at, r.id) < ($4::timestamptz, $5::uuid))
        ORDER BY r.created_at DESC, r.id DESC
        LIMIT $6`,
      [this.#defaultRetentionDays, tenantId, podId, cursor?.createdAt ?? null, cursor?.id ?? null, limit],
    );
    return rows.map(toRecordingRecord);
  }

  async findChunk(recordingId: string, index: number, tx: Queryable = this.#db): Promise<ChunkRecord | null> {
    const { rows } = await tx.query(
      `SELECT ${CHUNK_COLUMNS} FROM recording_chunks WHERE recording_id = $1 AND chunk_index = $2`,
      [recordingId, index],
    );
    const [row] = rows;
    return row === undefined ? null : toChunkRecord(row);
  }

  /**
   * Stores a chunk row while the recording is in `recording`, in one statement that share-locks the
   * recording row, so a concurrent completion waits for the insert and then finds the chunk. When
   * nothing was inserted, a second query tells why: another request stored the index first (its row
   * is returned), or the recording was completed or deleted meanwhile.
   */
  async insertChunk(chunk: NewChunk): Promise<ChunkInsertOutcome> {
    const { rows } = await this.#db.query<{ state: RecordingState | null; inserted: string }>(
      `WITH recording AS (
         SELECT state FROM recordings WHERE id = $1 FOR SHARE
       ), inserted AS (
         INSERT INTO recording_chunks (recording_id, chunk_index, object_key, plaintext_bytes, ciphertext_bytes,
           sha256, stream_header)
         SELECT $1, $2, $3, $4, $5, $6, $7 FROM recording WHERE state = 'recording'
         ON CONFLICT (recording_id, chunk_index) DO NOTHING
         RETURNING 1
       )
       SELECT (SELECT state FROM recording) AS state, (SELECT count(*) FROM inserted) AS inserted`,
      [
        chunk.recordingId,
        chunk.index,
        chunk.objectKey,
        chunk.plaintextBytes,
        chunk.ciphertextBytes,
        chunk.sha256,
        chunk.streamHeader,
      ],
    );
    if (rows[0]?.inserted === '1') {
      return { outcome: 'inserted' };
    }
    const state = rows[0]?.state ?? null;
    if (state === null || state === 'deleting') {
      return { outcome: 'not_recording', state: 'gone' };
    }
    const earlier = await this.findChunk(chunk.recordingId, chunk.index);
    if (earlier !== null) {
      return { outcome: 'exists', chunk: earlier };
    }
    return { outcome: 'not_recording', state };
  }

  /** Returns up to `limit` missing indexes below `count`, ascending, and how many are missing in total. */
  async missingChunks(
    recordingId: string,
    count: number,
    limit: number,
    tx: Queryable = this.#db,
  ): Promise<{ indexes: number[]; total: number }> {
    const { rows } = await tx.query<{ chunk_index: number; total: string }>(
      `SELECT i AS chunk_index, count(*) OVER () AS total
         FROM generate_series(0, $2::integer - 1) AS i
        WHERE NOT EXISTS (SELECT 1 FROM recording_chunks c WHERE c.recording_id = $1 AND c.chunk_index = i)
        ORDER BY i
        LIMIT $3`,
      [recordingId, count, limit],
    );
    return { indexes: rows.map((row) => Number(row.chunk_index)), total: Number(rows[0]?.total ?? 0) };
  }

  /** Returns up to `limit` stored indexes at or above `from`, ascending. */
  async chunkIndexesFrom(recordingId: string, from: number, limit: number, tx: Queryable): Promise<number[]> {
    const { rows } = await tx.query<{ chunk_index: number }>(
      `SELECT chunk_index FROM recording_chunks WHERE recording_id = $1 AND chunk_index >= $2
        ORDER BY chunk_index LIMIT $3`,
      [recordingId, from, limit],
    );
    return rows.map((row) => Number(row.chunk_index));
  }

  /** Returns up to `limit` chunks with an index above `afterIndex`, ascending. */
  async chunksAfter(
    recordingId: string,
    afterIndex: number,
    limit: number,
    tx: Queryable,
  ): Promise<ChunkRecord[]> {
    const { rows } = await tx.query(
      `SELECT ${CHUNK_COLUMNS} FROM recording_chunks WHERE recording_id = $1 AND chunk_index > $2
        ORDER BY chunk_index LIMIT $3`,
      [recordingId, afterIndex, limit],
    );
    return rows.map(toChunkRecord);
  }

  /** Returns sealed chunks that overlap the plaintext range `start`..`end`, after `afterIndex`. */
  async chunksCovering(
    recordingId: string,
    range: { start: number; end: number },
    afterIndex: number,
    limit: number,
  ): Promise<ChunkRecord[]> {
    const { rows } = await this.#db.query(
      `SELECT ${CHUNK_COLUMNS} FROM recording_chunks
        WHERE recording_id = $1 AND plaintext_offset IS NOT NULL
          AND plaintext_offset <= $3 AND plaintext_offset + plaintext_bytes > $2 AND chunk_index > $4
        ORDER BY chunk_index LIMIT $5`,
      [recordingId, range.start, range.end, afterIndex, limit],
    );
    return rows.map(toChunkRecord);
  }

  async writeSeals(
    tx: Queryable,
    recordingId: string,
    seals: ReadonlyArray<{ index: number; offset: number; seal: string }>,
  ): Promise<void> {
    await tx.query(
      `UPDATE recording_chunks AS c SET plaintext_offset = v.plaintext_offset, seal = v.seal
         FROM unnest($2::integer[], $3::bigint[], $4::text[]) AS v(chunk_index, plaintext_offset, seal)
        WHERE c.recording_id = $1 AND c.chunk_index = v.chunk_index`,
      [recordingId, seals.map((s) => s.index), seals.map((s) => s.offset), seals.map((s) => s.seal)],
    );
  }

  async markCompleted(
    tx: Queryable,
    recordingId: string,
    facts: { chunkCount: number; totalBytes: number; durationMs: number | null; completedAt: Date },
  ): Promise<void> {
    await tx.query(
      `UPDATE recordings SET state = 'completed', chunk_count = $2, total_bytes = $3, duration_ms = $4, completed_at = $5
        WHERE id = $1`,
      [recordingId, facts.chunkCount, facts.totalBytes, facts.durationMs, facts.completedAt],
    );
  }

  /** Locks a recording row of the tenant for the rest of the transaction; null when missing or deleting. */
  async lockForUpdate(tx: Queryable, tenantId: string, id: string): Promise<RecordingRecord | null> {
    const { rows } = await tx.query<{ id: string }>(
      "SELECT id FROM recordings WHERE id = $1 AND tenant_id = $2 AND state <> 'deleting' FOR UPDATE",
      [id, tenantId],
    );
    return rows.length === 0 ? null : this.find(tenantId, id, tx);
  }

  /** Moves a recording to `deleting` and returns what to remove, or null when it is missing or already deleting. */
  async markDeleting(tenantId: string, id: string, at: Date): Promise<DeletionTarget | null> {
    const { rows } = await this.#db.query<{ id: string; tenant_id: string; storage_id: string }>(
      `UPDATE recordings SET state = 'deleting', deleting_since = $3
        WHERE id = $1 AND tenant_id = $2 AND state <> 'deleting'
        RETURNING id, tenant_id, storage_id`,
      [id, tenantId, at],
    );
    const [row] = rows;
    return row === undefined ? null : { id: row.id, tenantId: row.tenant_id, storageId: row.storage_id };
  }

  /** Moves up to `limit` recordings whose retention ended at `now` to `deleting` and returns them. */
  async claimExpired(now: Date, limit: number): Promise<DeletionTarget[]> {
    const { rows } = await this.#db.query<{ id: string; tenant_id: string; storage_id: string }>(
      `UPDATE recordings SET state = 'deleting', deleting_since = $2
        WHERE id IN (
          SELECT r.id FROM recordings r
            LEFT JOIN recording_retention_policies p ON p.tenant_id = r.tenant_id
           WHERE r.state <> 'deleting'
             AND r.created_at + make_interval(days => coalesce(p.retention_days, $1::integer)) <= $2
           ORDER BY r.created_at
           LIMIT $3
           FOR UPDATE OF r SKIP LOCKED)
          AND state <> 'deleting'
        RETURNING id, tenant_id, storage_id`,
      [this.#defaultRetentionDays, now, limit],
    );
    return rows.map((row) => ({ id: row.id, tenantId: row.tenant_id, storageId: row.storage_id }));
  }

  /** Lists recordings left in `deleting` since before `before`, such as after a crash mid-delete. */
  async listDeleting(before: Date, limit: number): Promise<DeletionTarget[]> {
    const { rows } = await this.#db.query<{ id: string; tenant_id: string; storage_id: string }>(
      `SELECT id, tenant_id, storage_id FROM recordings
        WHERE state = 'deleting' AND deleting_since <= $1 ORDER BY deleting_since LIMIT $2`,
      [before, limit],
    );
    return rows.map((row) => ({ id: row.id, tenantId: row.tenant_id, storageId: row.storage_id }));
  }

  /** Deletes a recording row in `deleting` with its chunk rows; returns false when it was already gone. */
  async deleteRow(tx: Queryable, id: string): Promise<boolean> {
    const { rowCount } = await tx.query("DELETE FROM recordings WHERE id = $1 AND state = 'deleting'", [id]);
    return rowCount === 1;
  }

  /** Returns the tenant's own retention in days, or null when it uses the default. */
  async retentionDays(tenantId: string): Promise<number | null> {
    const { rows } = await this.#db.query<{ retention_days: number }>(
      'SELECT retention_days FROM recording_retention_policies WHERE tenant_id = $1',
      [tenantId],
    );
    return rows[0]?.retention_days ?? null;
  }

  /** Sets the tenant's retention, or removes it (back to the default) when `days` is null. */
  async setRetentionDays(tenantId: string, days: number | null, userId: string): Promise<void> {
    if (days === null) {
      await this.#db.query('DELETE FROM recording_retention_policies WHERE tenant_id = $1', [tenantId]);
      return;
    }
    await this.#db.query(
      `INSERT INTO recording_retention_policies (tenant_id, retention_days, updated_by, updated_at)
       VALUES ($1, $2, $3, now())
       ON CONFLICT (tenant_id) DO UPDATE
         SET retention_days = EXCLUDED.retention_days, updated_by = EXCLUDED.updated_by, updated_at = now()`,
      [tenantId, days, userId],
    );
  }
}
