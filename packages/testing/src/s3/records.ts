import { createHash } from 'node:crypto';
import path from 'node:path';
import type { StoredObject } from './storage.js';

/** Format version written into every record file. Records of another version are rejected. */
const RECORD_VERSION = 1;
/** Data files are named with `randomUUID()`, so a record that names anything else was not written by the peer. */
const DATA_FILE_NAME = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const HEADER_FIELDS = [
  'contentDisposition',
  'contentEncoding',
  'contentLanguage',
  'cacheControl',
  'expires',
] as const;

/** A record file that cannot be used: unparsable JSON, a missing or mistyped field, or another version. */
export class InvalidRecordError extends Error {
  override readonly name = 'InvalidRecordError';
}

/** Names an object's record file after the SHA-256 of its key, because keys may contain "/" and be 1024 bytes long. */
export function objectRecordFileName(key: string): string {
  return `${createHash('sha256').update(key).digest('hex')}.json`;
}

/** Serializes an object record, with segment paths relative to the data directory. */
export function encodeObjectRecord(object: StoredObject): string {
  return JSON.stringify({
    version: RECORD_VERSION,
    key: object.key,
    size: object.size,
    etag: object.etag,
    lastModified: object.lastModified.toISOString(),
    contentType: object.contentType,
    ...Object.fromEntries(HEADER_FIELDS.map((name) => [name, object[name]])),
    metadata: object.metadata,
    segments: object.segments.map((segment) => ({ file: path.basename(segment.path), size: segment.size })),
    checksum: object.checksum,
    partsCount: object.partsCount,
  });
}

/**
 * Parses an object record written by `encodeObjectRecord` and resolves its segments in `dataDir`.
 * Throws InvalidRecordError naming the first field that is wrong, so that a torn or edited file is
 * reported instead of being served.
 */
export function decodeObjectRecord(text: string, dataDir: string): StoredObject {
  const record = parseRecord(text);
  const key = requireString(record, 'key');
  const size = requireCount(record.size, 'size');
  const segments = requireArray(record, 'segments').map((entry, index) => {
    const segment = requireObject(entry, `segments[${index}]`);
    const file = requireString(segment, 'file', `segments[${index}].file`);
    if (!DATA_FILE_NAME.test(file)) {
      throw new InvalidRecordError(`segments[${index}].file "${file}" is not a data file name`);
    }
    return { path: path.join(dataDir, file), size: requireCount(segment.size, `segments[${index}].size`) };
  });
  if (segments.reduce((total, segment) => total + segment.size, 0) !== size) {
    throw new InvalidRecordError(`the segment sizes do not add up to size ${size}`);
  }

  const object: StoredObject = {
    key,
    size,
    etag: requireString(record, 'etag'),
    lastModified: requireDate(record, 'lastModified'),
    contentType: requireString(record, 'contentType'),
    metadata: requireStringMap(record, 'metadata'),
    segments,
  };
  for (const name of HEADER_FIELDS) {
    if (record[name] !== undefined) {
      object[name] = requireString(record, name);
    }
  }
  if (record.checksum !== undefined) {
    const checksum = requireObject(record.checksum, 'checksum');
    object.checksum = {
      algorithm: requireString(checksum, 'algorithm', 'checksum.algorithm'),
      value: requireString(checksum, 'value', 'checksum.value'),
    };
  }
  if (record.partsCount !== undefined) {
    object.partsCount = requireCount(record.partsCount, 'partsCount');
  }
  return object;
}

export function encodeBucketRecord(createdAt: Date): string {
  return JSON.stringify({ version: RECORD_VERSION, createdAt: createdAt.toISOString() });
}

/** Parses a bucket record and returns the bucket's creation time. */
export function decodeBucketRecord(text: string): Date {
  return requireDate(parseRecord(text), 'createdAt');
}

function parseRecord(text: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new InvalidRecordError(
      `the file is not valid JSON (${text.length} characters, possibly a torn write)`,
    );
  }
  const record = requireObject(parsed, 'the record');
  if (record.version !== RECORD_VERSION) {
    throw new InvalidRecordError(
      `version ${String(record.version)} is not the supported version ${RECORD_VERSION}`,
    );
  }
  return record;
}

function requireObject(value: unknown, name: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidRecordError(`${name} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

function requireArray(record: Record<string, unknown>, name: string): unknown[] {
  const value = record[name];
  if (!Array.isArray(value)) {
    throw new InvalidRecordError(`${name} is not an array`);
  }
  return value;
}

function requireString(record: Record<string, unknown>, field: string, name = field): string {
  const value = record[field];
  if (typeof value !== 'string') {
    throw new InvalidRecordError(`${name} is missing or not a string`);
  }
  return value;
}

function requireCount(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new InvalidRecordError(`${name} is not a non-negative integer`);
  }
  return value;
}

function requireDate(record: Record<string, unknown>, name: string): Date {
  const date = new Date(requireString(record, name));
  if (Number.isNaN(date.getTime())) {
    throw new InvalidRecordError(`${name} is not an ISO 8601 time`);
  }
  return date;
}

function requireStringMap(record: Record<string, unknown>, name: string): Record<string, string> {
  const map = requireObject(record[name], name);
  for (const [entry, value] of Object.entries(map)) {
    if (typeof value !== 'string') {
      throw new InvalidRecordError(`${name}.${entry} is not a string`);
    }
  }
  return map as Record<string, string>;
}
