import { type FileHandle, open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { header, type RequestContext, requireBucket, requireKey, sendEmpty, sendStream } from '../context.js';
import { s3Errors } from '../errors.js';
import type { Segment, StoredObject } from '../storage.js';
import { checkReadConditions, objectHeaders, parseRange } from './object-headers.js';

/** Query parameters that override response headers on a signed GET (ignored by R2). */
const RESPONSE_OVERRIDES: Record<string, string> = {
  'response-content-type': 'content-type',
  'response-content-disposition': 'content-disposition',
  'response-content-encoding': 'content-encoding',
  'response-content-language': 'content-language',
  'response-cache-control': 'cache-control',
  'response-expires': 'expires',
};

/** GetObject and HeadObject: conditions, a single byte range, response overrides and checksum mode. */
export async function getObject(context: RequestContext, withBody: boolean): Promise<void> {
  const bucket = requireBucket(context);
  const key = requireKey(context);
  const object = bucket.objects.get(key);
  if (object === undefined) {
    throw s3Errors.noSuchKey(key);
  }
  if (context.query.has('partNumber')) {
    throw s3Errors.notImplemented('GetObject with partNumber is not implemented by this S3 peer.');
  }

  if (checkReadConditions(context, object)) {
    sendEmpty(context, 304, { etag: object.etag, 'last-modified': object.lastModified.toUTCString() });
    return;
  }

  const range = parseRange(header(context, 'range'), object.size);
  const headers = objectHeaders(object);
  if (context.state.profile.honoursResponseOverrides) {
    for (const [parameter, name] of Object.entries(RESPONSE_OVERRIDES)) {
      const value = context.query.get(parameter);
      if (value !== undefined) {
        headers[name] = value;
      }
    }
  }
  // A whole-object checksum describes the whole object, so it is never sent with a partial body.
  if (
    range === undefined &&
    object.checksum !== undefined &&
    header(context, 'x-amz-checksum-mode') === 'ENABLED'
  ) {
    headers[`x-amz-checksum-${object.checksum.algorithm}`] = object.checksum.value;
  }
  if (object.partsCount !== undefined) {
    headers['x-amz-mp-parts-count'] = String(object.partsCount);
  }

  const start = range?.start ?? 0;
  const end = range?.end ?? object.size - 1;
  headers['content-length'] = String(object.size === 0 ? 0 : end - start + 1);
  if (range !== undefined) {
    headers['content-range'] = `bytes ${start}-${end}/${object.size}`;
  }
  const status = range === undefined ? 200 : 206;
  if (!withBody || object.size === 0) {
    sendStream(context, status, headers, undefined);
    return;
  }
  sendStream(context, status, headers, await openRange(object, start, end));
}

/**
 * Opens every segment before streaming, so that a concurrent overwrite, which deletes the old files,
 * cannot cut the response short.
 */
async function openRange(object: StoredObject, start: number, end: number): Promise<Readable> {
  const selected: Array<{ segment: Segment; from: number; to: number }> = [];
  let offset = 0;
  for (const segment of object.segments) {
    const segmentStart = offset;
    const segmentEnd = offset + segment.size - 1;
    offset += segment.size;
    if (segment.size === 0 || segmentEnd < start || segmentStart > end) {
      continue;
    }
    selected.push({
      segment,
      from: Math.max(start, segmentStart) - segmentStart,
      to: Math.min(end, segmentEnd) - segmentStart,
    });
  }
  const handles: FileHandle[] = [];
  try {
    for (const entry of selected) {
      handles.push(await open(entry.segment.path, 'r'));
    }
  } catch (error) {
    await Promise.all(handles.map((handle) => handle.close()));
    throw error;
  }
  async function* concatenate(): AsyncGenerator<Buffer> {
    try {
      for (const [index, entry] of selected.entries()) {
        const handle = handles[index] as FileHandle;
        yield* handle.createReadStream({
          start: entry.from,
          end: entry.to,
          autoClose: false,
          highWaterMark: 1024 * 1024,
        });
      }
    } finally {
      await Promise.all(handles.map((handle) => handle.close().catch(() => undefined)));
    }
  }
  return Readable.from(concatenate(), { objectMode: false });
}

/** Streams an object's full content, for copies that need to rehash it. */
export async function openObject(object: StoredObject): Promise<Readable> {
  return object.size === 0 ? Readable.from([]) : openRange(object, 0, object.size - 1);
}
