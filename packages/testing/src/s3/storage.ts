import { randomUUID } from 'node:crypto';
import { copyFile, constants as fsConstants, mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { MultipartUpload } from './multipart.js';

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
 * The peer's state: bucket and object records in memory, object bytes in files under a temporary
 * directory, so that large uploads do not grow the heap.
 */
export class PeerStorage {
  readonly buckets = new Map<string, Bucket>();
  readonly tmpDir: string;
  private readonly dataDir: string;

  constructor(readonly rootDir: string) {
    this.tmpDir = path.join(rootDir, 'tmp');
    this.dataDir = path.join(rootDir, 'data');
  }

  async init(): Promise<void> {
    await mkdir(this.tmpDir, { recursive: true });
    await mkdir(this.dataDir, { recursive: true });
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

  /** Replaces (or creates) an object and deletes the files of the object it replaces. */
  async putObject(bucket: Bucket, object: StoredObject): Promise<void> {
    const previous = bucket.objects.get(object.key);
    bucket.objects.set(object.key, object);
    if (previous !== undefined) {
      await this.discard(previous.segments);
    }
  }

  async deleteObject(bucket: Bucket, key: string): Promise<void> {
    const previous = bucket.objects.get(key);
    if (previous !== undefined) {
      bucket.objects.delete(key);
      await this.discard(previous.segments);
    }
  }

  /** Keys of a bucket in UTF-8 byte order, the order S3 lists in. */
  sortedKeys(bucket: Bucket): string[] {
    return [...bucket.objects.keys()].sort(compareKeys);
  }
}

export function compareKeys(left: string, right: string): number {
  return Buffer.compare(Buffer.from(left), Buffer.from(right));
}
