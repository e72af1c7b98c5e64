import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createBucketRecord, validateBucketName } from './buckets.js';
import {
  decodeBucketRecord,
  decodeObjectRecord,
  encodeBucketRecord,
  encodeObjectRecord,
  InvalidRecordError,
  objectRecordFileName,
} from './records.js';
import type { Bucket, StoredObject } from './storage.js';

const BUCKET_RECORD = 'bucket.json';
const OBJECTS_DIR = 'objects';
const OBJECT_RECORD_NAME = /^[0-9a-f]{64}\.json$/;

/** A file found at start that the peer did not load, with the reason. */
export interface SkippedRecord {
  file: string;
  reason: string;
}

/** Summary of the records a persistent peer loaded from its data directory at start. */
export interface RecoveryReport {
  buckets: number;
  objects: number;
  /** Files the peer could not load. Invalid record files were deleted and unknown files left in place. */
  skippedRecords: SkippedRecord[];
  /**
   * Data files that no record refers to, deleted at start: parts of multipart uploads that were not
   * completed, and bodies of writes that the last run did not finish.
   */
  removedDataFiles: number;
}

/**
 * Bucket and object records on disk, so that a peer restarted on the same directory serves the same
 * objects. Layout under the root directory:
 *
 *   buckets/<bucket>/bucket.json                  creation time
 *   buckets/<bucket>/objects/<sha256 of key>.json  one object record (see records.ts)
 *   data/<uuid>                                    object and part bytes
 *   tmp/                                           incoming bodies and records being written
 *
 * Every record is written to tmp/ and renamed into place, and buckets are created and deleted by
 * renaming whole directories, so a peer killed at any point leaves each record either old or new.
 * NOTE: nothing is fsynced, so a power loss can still leave an empty or partial record file. `load`
 * reports and deletes such records instead of failing.
 */
export class RecordStore {
  private readonly bucketsDir: string;

  constructor(
    rootDir: string,
    private readonly tmpDir: string,
    private readonly dataDir: string,
  ) {
    this.bucketsDir = path.join(rootDir, 'buckets');
  }

  /**
   * Reads every bucket and object record, then deletes data files that no valid record refers to.
   * Expects an empty tmp/ directory, so that no write of this run is under way.
   */
  async load(): Promise<{ buckets: Bucket[]; report: RecoveryReport }> {
    await mkdir(this.bucketsDir, { recursive: true });
    const skippedRecords: SkippedRecord[] = [];
    const buckets: Bucket[] = [];
    for (const entry of await readdir(this.bucketsDir, { withFileTypes: true })) {
      const directory = path.join(this.bucketsDir, entry.name);
      if (!entry.isDirectory() || !isBucketName(entry.name)) {
        skippedRecords.push({ file: directory, reason: 'not a bucket directory; left in place' });
        continue;
      }
      buckets.push(await this.loadBucket(entry.name, skippedRecords));
    }

    const referenced = new Set<string>();
    for (const bucket of buckets) {
      for (const object of bucket.objects.values()) {
        for (const segment of object.segments) {
          referenced.add(path.basename(segment.path));
        }
      }
    }
    let removedDataFiles = 0;
    for (const name of await readdir(this.dataDir)) {
      if (!referenced.has(name)) {
        await rm(path.join(this.dataDir, name), { recursive: true, force: true });
        removedDataFiles += 1;
      }
    }

    return {
      buckets,
      report: {
        buckets: buckets.length,
        objects: buckets.reduce((total, bucket) => total + bucket.objects.size, 0),
        skippedRecords,
        removedDataFiles,
      },
    };
  }

  /** Creates a bucket directory in tmp/ and renames it into place. Fails if the bucket exists on disk. */
  async saveBucket(bucket: Bucket): Promise<void> {
    const staging = path.join(this.tmpDir, `bucket-${randomUUID()}`);
    try {
      await mkdir(path.join(staging, OBJECTS_DIR), { recursive: true });
      await writeFile(path.join(staging, BUCKET_RECORD), encodeBucketRecord(bucket.createdAt));
      await rename(staging, path.join(this.bucketsDir, bucket.name));
    } catch (error) {
      await rm(staging, { recursive: true, force: true });
      throw error;
    }
  }

  /** Moves a bucket directory out of buckets/ in one rename, then deletes it. */
  async removeBucket(name: string): Promise<void> {
    const trash = path.join(this.tmpDir, `deleted-bucket-${randomUUID()}`);
    try {
      await rename(path.join(this.bucketsDir, name), trash);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        return;
      }
      throw error;
    }
    await rm(trash, { recursive: true, force: true });
  }

  async saveObject(bucketName: string, object: StoredObject): Promise<void> {
    const temporary = path.join(this.tmpDir, `record-${randomUUID()}`);
    try {
      await writeFile(temporary, encodeObjectRecord(object));
      await rename(temporary, this.objectRecordPath(bucketName, object.key));
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  }

  async removeObject(bucketName: string, key: string): Promise<void> {
    await rm(this.objectRecordPath(bucketName, key), { force: true });
  }

  private objectRecordPath(bucketName: string, key: string): string {
    return path.join(this.bucketsDir, bucketName, OBJECTS_DIR, objectRecordFileName(key));
  }

  private async loadBucket(name: string, skippedRecords: SkippedRecord[]): Promise<Bucket> {
    const directory = path.join(this.bucketsDir, name);
    const bucket = createBucketRecord(name);
    const bucketRecord = path.join(directory, BUCKET_RECORD);
    try {
      bucket.createdAt = decodeBucketRecord(await readFile(bucketRecord, 'utf8'));
    } catch (error) {
      const reason = recordProblem(error);
      skippedRecords.push({
        file: bucketRecord,
        reason: `${reason}; the bucket is kept with a new creation time`,
      });
    }

    const objectsDir = path.join(directory, OBJECTS_DIR);
    await mkdir(objectsDir, { recursive: true });
    for (const fileName of await readdir(objectsDir)) {
      const file = path.join(objectsDir, fileName);
      if (!OBJECT_RECORD_NAME.test(fileName)) {
        skippedRecords.push({ file, reason: 'not an object record file name; left in place' });
        continue;
      }
      try {
        const object = await this.loadObject(file, fileName);
        bucket.objects.set(object.key, object);
      } catch (error) {
        skippedRecords.push({ file, reason: `${recordProblem(error)}; the record was deleted` });
        await rm(file, { force: true });
      }
    }
    return bucket;
  }

  private async loadObject(file: string, fileName: string): Promise<StoredObject> {
    const object = decodeObjectRecord(await readFile(file, 'utf8'), this.dataDir);
    if (objectRecordFileName(object.key) !== fileName) {
      throw new InvalidRecordError('the file name is not the SHA-256 of the key in the record');
    }
    for (const segment of object.segments) {
      const size = await stat(segment.path).then(
        (stats) => (stats.isFile() ? stats.size : undefined),
        (error: NodeJS.ErrnoException) => {
          if (error.code === 'ENOENT') {
            return undefined;
          }
          throw error;
        },
      );
      if (size !== segment.size) {
        throw new InvalidRecordError(
          `data file ${path.basename(segment.path)} is ${size === undefined ? 'missing' : `${size} bytes, not ${segment.size}`}`,
        );
      }
    }
    return object;
  }
}

function isBucketName(name: string): boolean {
  try {
    validateBucketName(name);
    return true;
  } catch {
    return false;
  }
}

/** Turns an invalid or missing record into a reason; any other error (such as EACCES) is rethrown. */
function recordProblem(error: unknown): string {
  if (error instanceof InvalidRecordError) {
    return error.message;
  }
  if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
    return 'the file is missing';
  }
  throw error;
}
