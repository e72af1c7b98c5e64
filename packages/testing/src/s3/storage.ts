import { randomUUID } from 'node:crypto';
import { copyFile, constants as fsConstants, mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { createBucketRecord } from './buckets.js';
import { lockDataDirectory } from './lock.js';
import type { MultipartUpload } from './multipart.js';
import { RecordStore, type RecoveryReport } from './record-store.js';

/** A file holding some bytes of an object; a multipart object keeps one segment per part. */
export interface Segment {
  path: string;
  size: number;
}

/** Headers stored with an object or a multipart upload and returned by GET and HEAD. */
export interface StoredHeaders {
  contentType: string;
  contentDisposition?: string;
  contentEncoding?: string;
  contentLanguage?: string;
  cacheControl?: string;
  expires?: string;
  metadata: Record<string, string>;
}

export interface StoredObject extends StoredHeaders {
  key: string;
  size: number;
  /** Quoted, as S3 sends it: `"<md5 hex>"`, or `"<md5 of part md5s>-<part count>"` for multipart objects. */
  etag: string;
  lastModified: Date;
  segments: Segment[];
  /** Full-object flexible checksum sent at upload, returned when the client asks with x-amz-checksum-mode. */
  checksum?: { algorithm: string; value: string };
  partsCount?: number;
}

export interface Bucket {
  name: string;
  createdAt: Date;
  objects: Map<string, StoredObject>;
  uploads: Map<string, MultipartUpload>;
}

/**
 * The peer's state: bucket and object records in memory, object bytes in files under `rootDir`, so
 * that large uploads do not grow the heap. A persistent storage also keeps bucket and object records
 * on disk (see RecordStore) and loads them at start. Multipart uploads in progress stay in memory only.
 */
export class PeerStorage {
  readonly buckets = new Map<string, Bucket>();
  readonly tmpDir: string;
  private readonly dataDir: string;
  private readonly records: RecordStore | undefined;
  /** The last record write queued per `<bucket>/<key>`, so that writes of one key run in order. */
  private readonly recordWrites = new Map<string, Promise<void>>();
  /** Bucket creations and deletions run one at a time, so that a name is never on disk twice. */
  private bucketChanges: Promise<unknown> = Promise.resolve();
  private releaseLock: (() => Promise<void>) | undefined;

  constructor(
    readonly rootDir: string,
    options: { persistent: boolean } = { persistent: false },
  ) {
    this.tmpDir = path.join(rootDir, 'tmp');
    this.dataDir = path.join(rootDir, 'data');
    this.records = options.persistent ? new RecordStore(rootDir, this.tmpDir, this.dataDir) : undefined;
  }

  /**
   * Creates the directories. A persistent storage also locks `rootDir`, empties tmp/, loads the
   * records and deletes data files no record refers to, and returns what it found.
   */
  async init(): Promise<RecoveryReport | undefined> {
    if (this.records === undefined) {
      await mkdir(this.tmpDir, { recursive: true });
      await mkdir(this.dataDir, { recursive: true });
      return undefined;
    }
    await mkdir(this.rootDir, { recursive: true });
    const release = await lockDataDirectory(this.rootDir);
    try {
      await rm(this.tmpDir, { recursive: true, force: true });
      await mkdir(this.tmpDir, { recursive: true });
      await mkdir(this.dataDir, { recursive: true });
      const { buckets, report } = await this.records.load();
      for (const bucket of buckets) {
        this.buckets.set(bucket.name, bucket);
      }
      this.releaseLock = release;
      return report;
    } catch (error) {
      await release();
      throw error;
    }
  }

  /** Waits for queued record writes and releases the directory lock. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.recordWrites.values(), this.bucketChanges]);
    await this.releaseLock?.();
    this.releaseLock = undefined;
  }

  /** Creates a bucket unless one of that name exists, and returns whether it did. */
  createBucket(name: string): Promise<boolean> {
    return this.changeBuckets(async () => {
      if (this.buckets.has(name)) {
        return false;
      }
      const bucket = createBucketRecord(name);
      // On disk first, so that no object record is written before its bucket directory exists.
      await this.records?.saveBucket(bucket);
      this.buckets.set(name, bucket);
      return true;
    });
  }

  /** Deletes a bucket. The caller checks that it is empty. */
  deleteBucket(bucket: Bucket): Promise<void> {
    // Out of memory at once, so that no request finds the bucket while its directory is removed.
    this.buckets.delete(bucket.name);
    return this.changeBuckets(async () => {
      await this.records?.removeBucket(bucket.name);
    });
  }

  /** Returns a fresh path for an incoming body. */
  temporaryPath(): string {
    return path.join(this.tmpDir, randomUUID());
  }

  /** Moves a received body into the data directory and returns its new path. */
  async keep(temporary: string): Promise<string> {
    const target = path.join(this.dataDir, randomUUID());
    await rename(temporary, target);
    return target;
  }

  /** Copies segments into new files, so that the copy and the source can be deleted independently. */
  async cloneSegments(segments: readonly Segment[]): Promise<Segment[]> {
    const copies: Segment[] = [];
    for (const segment of segments) {
      const target = path.join(this.dataDir, randomUUID());
      await copyFile(segment.path, target, fsConstants.COPYFILE_FICLONE);
      copies.push({ path: target, size: segment.size });
    }
    return copies;
  }

  async discard(segments: readonly Segment[]): Promise<void> {
    await Promise.all(segments.map((segment) => rm(segment.path, { force: true })));
  }

  /**
   * Replaces (or creates) an object, writes its record when persistent, and then deletes the files of
   * the object it replaces. When the record write fails, the old files stay, because the record on
   * disk still refers to them.
   */
  async putObject(bucket: Bucket, object: StoredObject): Promise<void> {
    const previous = bucket.objects.get(object.key);
    bucket.objects.set(object.key, object);
    await this.writeRecord(bucket, object.key);
    if (previous !== undefined) {
      await this.discard(previous.segments);
    }
  }

  async deleteObject(bucket: Bucket, key: string): Promise<void> {
    const previous = bucket.objects.get(key);
    if (previous !== undefined) {
      bucket.objects.delete(key);
      await this.writeRecord(bucket, key);
      await this.discard(previous.segments);
    }
  }

  /** Keys of a bucket in UTF-8 byte order, the order S3 lists in. */
  sortedKeys(bucket: Bucket): string[] {
    return [...bucket.objects.keys()].sort(compareKeys);
  }

  /**
   * Makes the key's record on disk match memory: written when the object exists, deleted when not.
   * Writes of one key are queued, and each writes the state current when it runs, so the last one
   * leaves the newest state on disk whatever order concurrent requests finish in.
   */
  private writeRecord(bucket: Bucket, key: string): Promise<void> {
    const records = this.records;
    if (records === undefined) {
      return Promise.resolve();
    }
    const write = async (): Promise<void> => {
      if (this.buckets.get(bucket.name) !== bucket) {
        // The bucket was deleted, and its directory with it.
        return;
      }
      const object = bucket.objects.get(key);
      await (object === undefined
        ? records.removeObject(bucket.name, key)
        : records.saveObject(bucket.name, object));
    };
    const id = `${bucket.name}/${key}`;
    const queued = (this.recordWrites.get(id) ?? Promise.resolve()).then(write, write);
    this.recordWrites.set(id, queued);
    const forget = (): void => {
      if (this.recordWrites.get(id) === queued) {
        this.recordWrites.delete(id);
      }
    };
    queued.then(forget, forget);
    return queued;
  }

  private changeBuckets<T>(change: () => Promise<T>): Promise<T> {
    const result = this.bucketChanges.then(change, change);
    this.bucketChanges = result.catch(() => undefined);
    return result;
  }
}

export function compareKeys(left: string, right: string): number {
  return Buffer.compare(Buffer.from(left), Buffer.from(right));
}
