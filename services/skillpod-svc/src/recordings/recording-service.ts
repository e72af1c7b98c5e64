import { randomUUID } from 'node:crypto';
import type { ObjectStore } from '@skillancer/object-storage';
import type { StreamKeySource } from '@skillancer/phi-crypto';
import { badRequest, conflict, notFound, type Principal } from '@skillancer/service-kit';
import type { FastifyBaseLogger } from 'fastify';
import { decodeCursor, encodeCursor } from '../pods/cursor.js';
import { digestBody, storeEncryptedChunk } from './chunk-ingest.js';
import { type RecordingAuditTrail, retentionChangeEvent, userActor } from './recording-audit.js';
import { removeRecording } from './recording-deletion.js';
import { toRecordingError } from './recording-errors.js';
import { newChunkObjectKey } from './recording-objects.js';
import type { ChunkRecord, RecordingRecord } from './recording-record.js';
import type { RecordingRepository } from './recording-repository.js';
import { type CompleteInput, completeRecording, RECORDING_RECORD_TYPE } from './recording-sealing.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Missing indexes listed in a recording view. */
export const LISTED_MISSING_CHUNKS = 1000;

export interface RecordingServiceDependencies {
  repository: RecordingRepository;
  store: ObjectStore;
  keys: StreamKeySource;
  audit: RecordingAuditTrail;
  logger: FastifyBaseLogger;
  clock: () => Date;
  /** Plaintext bytes per encrypted segment. */
  segmentSize: number;
  defaultRetentionDays: number;
}

/** A recording as the API shows it: the row plus the chunks it lacks while unfinished. */
export interface RecordingDetails {
  recording: RecordingRecord;
  missing: { indexes: number[]; total: number };
}

/** Result of a chunk upload: `replayed` when the same chunk was stored before. */
export interface ChunkUpload {
  index: number;
  plaintextBytes: number;
  sha256: Buffer;
  replayed: boolean;
}

/** Session recordings of the caller's tenant: start, chunk upload, completion, reads and deletion. */
export class RecordingService {
  readonly #deps: RecordingServiceDependencies;

  constructor(deps: RecordingServiceDependencies) {
    this.#deps = deps;
  }

  get deps(): RecordingServiceDependencies {
    return this.#deps;
  }

  /** Starts a recording of a ready pod. Its objects get a random storage id unrelated to the pod. */
  async start(
    principal: Principal,
    podId: string,
    input: { contentType: string },
  ): Promise<RecordingDetails> {
    const podState = UUID.test(podId)
      ? await this.#deps.repository.podState(principal.tenantId, podId)
      : null;
    if (podState === null) {
      throw notFound(`Pod ${podId}`);
    }
    if (podState !== 'ready') {
      throw conflict(
        'pod_not_ready',
        `Pod ${podId} is ${podState}; a recording can start only while the pod is ready`,
      );
    }
    const recording = await this.#deps.repository.insert({
      id: randomUUID(),
      tenantId: principal.tenantId,
      podId,
      startedBy: principal.userId,
      contentType: input.contentType,
      storageId: randomUUID(),
      createdAt: this.#deps.clock(),
    });
    this.#deps.logger.info({ recordingId: recording.id, podId }, 'recording started');
    return { recording, missing: { indexes: [], total: 0 } };
  }

  /** Returns a recording of the tenant, or throws 404 (also for another tenant's recording). */
  async get(principal: Principal, id: string): Promise<RecordingDetails> {
    return this.#details(await this.#find(principal, id));
  }

  async list(
    principal: Principal,
    podId: string,
    cursorText: string | undefined,
    limit: number,
  ): Promise<{ items: RecordingDetails[]; nextCursor: string | null }> {
    if (!UUID.test(podId) || (await this.#deps.repository.podState(principal.tenantId, podId)) === null) {
      throw notFound(`Pod ${podId}`);
    }
    const cursor = cursorText === undefined ? null : decodeCursor(cursorText);
    if (cursorText !== undefined && cursor === null) {
      throw badRequest(
        'invalid_cursor',
        'The cursor is not one this API returned; start from the first page',
      );
    }
    const rows = await this.#deps.repository.list(principal.tenantId, podId, cursor, limit + 1);
    const page = rows.slice(0, limit);
    const items = await Promise.all(page.map((recording) => this.#details(recording)));
    const last = page[page.length - 1];
    const nextCursor =
      rows.length > limit && last !== undefined
        ? encodeCursor({ createdAt: last.createdAt, id: last.id })
        : null;
    return { items, nextCursor };
  }

  /**
   * Stores one chunk, encrypted, under a fresh object key, and records it. A repeat of a stored
   * chunk (same SHA-256) is read and checked but not stored again, and any other body for a stored
   * index is a 409. Chunks may arrive in any order. The object of an upload that loses to a
   * concurrent one, or whose recording was completed or deleted meanwhile, is deleted again.
   */
  async uploadChunk(
    principal: Principal,
    id: string,
    index: number,
    body: AsyncIterable<Uint8Array>,
    expectedSha256: Buffer,
  ): Promise<ChunkUpload> {
    const { repository, store, keys } = this.#deps;
    const recording = UUID.test(id) ? await repository.findForUpload(principal.tenantId, id, index) : null;
    if (recording === null) {
      throw notFound(`Recording ${id}`);
    }
    try {
      if (recording.chunk !== null) {
        return resend(recording.chunk, await digestBody(body, expectedSha256));
      }
      if (recording.state !== 'recording') {
        throw completedError(id);
      }

      const objectKey = newChunkObjectKey(principal.tenantId, recording.storageId);
      const stored = await storeEncryptedChunk({
        store,
        keys,
        context: {
          tenantId: principal.tenantId,
          recordType: RECORDING_RECORD_TYPE,
          recordId: id,
          part: index,
        },
        objectKey,
        body,
        expectedSha256,
        segmentSize: this.#deps.segmentSize,
      });
      const result = await repository.insertChunk({ recordingId: id, index, objectKey, ...stored });
      if (result.outcome === 'inserted') {
        return { index, plaintextBytes: stored.plaintextBytes, sha256: stored.sha256, replayed: false };
      }
      await this.#discardObject(objectKey, id);
      if (result.outcome === 'exists') {
        return resend(result.chunk, stored.sha256);
      }
      throw result.state === 'gone' ? notFound(`Recording ${id}`) : completedError(id);
    } catch (error) {
      throw toRecordingError(error, id);
    }
  }

  /** Completes a recording; see `completeRecording`. */
  async complete(
    principal: Principal,
    id: string,
    input: CompleteInput,
  ): Promise<{ details: RecordingDetails; replayed: boolean }> {
    if (!UUID.test(id)) {
      throw notFound(`Recording ${id}`);
    }
    try {
      const { recording, replayed } = await completeRecording({
        repository: this.#deps.repository,
        keys: this.#deps.keys,
        tenantId: principal.tenantId,
        recordingId: id,
        request: input,
        now: this.#deps.clock(),
      });
      if (!replayed) {
        this.#deps.logger.info({ recordingId: id, chunkCount: recording.chunkCount }, 'recording completed');
      }
      return { details: await this.#details(recording), replayed };
    } catch (error) {
      throw toRecordingError(error, id);
    }
  }

  /**
   * Deletes a recording: it disappears from the API at once, then its objects and rows are removed
   * and the deletion is audited. If the bucket cannot be reached the row stays hidden in `deleting`
   * and the retention sweeper finishes it.
   */
  async delete(principal: Principal, id: string): Promise<void> {
    const target = UUID.test(id)
      ? await this.#deps.repository.markDeleting(principal.tenantId, id, this.#deps.clock())
      : null;
    if (target === null) {
      throw notFound(`Recording ${id}`);
    }
    try {
      await removeRecording(this.#deps, target, userActor(principal), 'user_request');
    } catch (error) {
      this.#deps.logger.error(
        { err: error, recordingId: id },
        'deleting a recording failed after it was hidden; the retention sweeper retries it',
      );
      throw toRecordingError(error, id);
    }
    this.#deps.logger.info({ recordingId: id }, 'recording deleted');
  }

  /** Returns the tenant's retention in days and whether it is the configured default. */
  async retention(principal: Principal): Promise<{ retentionDays: number; isDefault: boolean }> {
    const days = await this.#deps.repository.retentionDays(principal.tenantId);
    return { retentionDays: days ?? this.#deps.defaultRetentionDays, isDefault: days === null };
  }

  async setRetention(
    principal: Principal,
    days: number | null,
  ): Promise<{ retentionDays: number; isDefault: boolean }> {
    await this.#deps.repository.setRetentionDays(principal.tenantId, days, principal.userId);
    await this.#deps.audit.append(
      retentionChangeEvent({
        tenantId: principal.tenantId,
        actor: userActor(principal),
        retentionDays: days,
      }),
    );
    return this.retention(principal);
  }

  /** Returns a recording of the tenant that is not being deleted, or throws 404. */
  async find(principal: Principal, id: string): Promise<RecordingRecord> {
    return this.#find(principal, id);
  }

  async #find(principal: Principal, id: string): Promise<RecordingRecord> {
    const recording = UUID.test(id) ? await this.#deps.repository.find(principal.tenantId, id) : null;
    if (recording === null) {
      throw notFound(`Recording ${id}`);
    }
    return recording;
  }

  async #details(recording: RecordingRecord): Promise<RecordingDetails> {
    if (recording.state !== 'recording' || recording.highestChunkIndex === null) {
      return { recording, missing: { indexes: [], total: 0 } };
    }
    const missing = await this.#deps.repository.missingChunks(
      recording.id,
      recording.highestChunkIndex + 1,
      LISTED_MISSING_CHUNKS,
    );
    return { recording, missing };
  }

  async #discardObject(objectKey: string, recordingId: string): Promise<void> {
    try {
      await this.#deps.store.delete(objectKey);
    } catch (error) {
      // The object is unreachable without a row; deleting the recording removes it with its prefix.
      this.#deps.logger.warn(
        { err: error, recordingId },
        'deleting the object of a discarded chunk upload failed',
      );
    }
  }
}

function resend(earlier: ChunkRecord, sha256: Buffer): ChunkUpload {
  if (!earlier.sha256.equals(sha256)) {
    throw conflict(
      'chunk_conflict',
      `Chunk ${earlier.index} is already stored with SHA-256 ${earlier.sha256.toString('hex')}; a stored chunk cannot be ` +
        'replaced, so send the same bytes again or use the next free index',
    );
  }
  return { index: earlier.index, plaintextBytes: earlier.plaintextBytes, sha256, replayed: true };
}

function completedError(id: string) {
  return conflict(
    'recording_completed',
    `Recording ${id} is completed and accepts no new chunks; start a new recording for more footage`,
  );
}
