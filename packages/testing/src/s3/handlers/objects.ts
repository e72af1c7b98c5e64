import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { drainBody, receiveBody } from '../body.js';
import {
  header,
  now,
  type RequestContext,
  requireBucket,
  requireKey,
  sendEmpty,
  sendXml,
} from '../context.js';
import { s3Errors } from '../errors.js';
import { decodeComponent } from '../sigv4.js';
import type { Bucket, StoredObject } from '../storage.js';
import { checkUnsupportedHeaders, etagMatches, storedHeadersFrom } from './object-headers.js';
import { openObject } from './read.js';

/** S3 limits a single PUT and a CopyObject source to 5 GiB. */
export const MAX_SINGLE_PUT_BYTES = 5 * 1024 ** 3;

export async function putObject(context: RequestContext): Promise<void> {
  const bucket = requireBucket(context);
  const key = requireKey(context);
  checkUnsupportedHeaders(context);
  const headers = storedHeadersFrom(context);
  checkWriteConditionHeaders(context);

  const { storage } = context.state;
  const temporary = storage.temporaryPath();
  const body = await receiveBody(
    context.request,
    context.query,
    context.payloadHash,
    {
      ...context.state.bodyPolicy,
      maxBytes: Math.min(context.state.bodyPolicy.maxBytes, MAX_SINGLE_PUT_BYTES),
    },
    { file: temporary },
  );
  try {
    checkWriteConditions(context, bucket, key);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }

  const etag = `"${body.md5.toString('hex')}"`;
  const object: StoredObject = {
    key,
    size: body.size,
    etag,
    lastModified: now(context.state),
    ...headers,
    segments: [{ path: await storage.keep(temporary), size: body.size }],
    ...(body.checksum === undefined ? {} : { checksum: body.checksum }),
  };
  await storage.putObject(bucket, object);
  sendEmpty(context, 200, {
    etag,
    ...(body.checksum === undefined
      ? {}
      : { [`x-amz-checksum-${body.checksum.algorithm}`]: body.checksum.value }),
  });
}

export async function deleteObject(context: RequestContext): Promise<void> {
  const bucket = requireBucket(context);
  await context.state.storage.deleteObject(bucket, requireKey(context));
  sendEmpty(context, 204);
}

export async function copyObject(context: RequestContext): Promise<void> {
  const bucket = requireBucket(context);
  const key = requireKey(context);
  checkUnsupportedHeaders(context);
  if (
    context.state.profile.rejectsChecksumOnCopy &&
    header(context, 'x-amz-checksum-algorithm') !== undefined
  ) {
    throw s3Errors.notImplemented("Header 'x-amz-checksum-algorithm' not implemented");
  }
  await drainBody(context.request);

  const { sourceBucket, source } = resolveCopySource(context);
  const directive = header(context, 'x-amz-metadata-directive') ?? 'COPY';
  if (directive !== 'COPY' && directive !== 'REPLACE') {
    throw s3Errors.invalidArgument('Unknown metadata directive.', 'x-amz-metadata-directive', directive);
  }
  if (sourceBucket === bucket && source.key === key && directive === 'COPY') {
    throw s3Errors.invalidRequest(
      "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
    );
  }

  checkCopySourceConditions(context, source);
  if (source.size > MAX_SINGLE_PUT_BYTES) {
    throw s3Errors.invalidRequest(
      `The specified copy source is larger than the maximum allowable size for a copy source: ${MAX_SINGLE_PUT_BYTES}`,
    );
  }
  checkWriteConditionHeaders(context);
  checkWriteConditions(context, bucket, key);

  const headers =
    directive === 'REPLACE'
      ? storedHeadersFrom(context)
      : {
          contentType: source.contentType,
          metadata: { ...source.metadata },
          ...pick(source, [
            'contentDisposition',
            'contentEncoding',
            'contentLanguage',
            'cacheControl',
            'expires',
          ]),
        };
  // A copy is stored as one part, so a multipart source gets a plain MD5 ETag, as on S3.
  const etag = source.partsCount === undefined ? source.etag : `"${await md5Of(source)}"`;
  const copy: StoredObject = {
    key,
    size: source.size,
    etag,
    lastModified: now(context.state),
    ...headers,
    segments: await context.state.storage.cloneSegments(source.segments),
  };
  await context.state.storage.putObject(bucket, copy);
  sendXml(context, 200, { CopyObjectResult: { LastModified: copy.lastModified.toISOString(), ETag: etag } });
}

function resolveCopySource(context: RequestContext): { sourceBucket: Bucket; source: StoredObject } {
  const raw = header(context, 'x-amz-copy-source') ?? '';
  if (raw.includes('?')) {
    throw s3Errors.notImplemented(
      'Copying a specific version (x-amz-copy-source with versionId) is not implemented.',
    );
  }
  const decoded = decodeComponent(raw.startsWith('/') ? raw.slice(1) : raw);
  const separator = decoded.indexOf('/');
  if (separator <= 0 || separator === decoded.length - 1) {
    throw s3Errors.invalidArgument(
      'Copy Source must mention the source bucket and key: sourcebucket/sourcekey',
      'x-amz-copy-source',
      raw,
    );
  }
  const bucketName = decoded.slice(0, separator);
  let sourceKey = decoded.slice(separator + 1);
  if (context.state.profile.normalizesKeysToNfc) {
    sourceKey = sourceKey.normalize('NFC');
  }
  const sourceBucket = context.state.storage.buckets.get(bucketName);
  if (sourceBucket === undefined) {
    throw s3Errors.noSuchBucket(bucketName);
  }
  const source = sourceBucket.objects.get(sourceKey);
  if (source === undefined) {
    throw s3Errors.noSuchKey(sourceKey);
  }
  return { sourceBucket, source };
}

function checkCopySourceConditions(context: RequestContext, source: StoredObject): void {
  const ifMatch = header(context, 'x-amz-copy-source-if-match');
  const ifNoneMatch = header(context, 'x-amz-copy-source-if-none-match');
  const ifUnmodifiedSince = header(context, 'x-amz-copy-source-if-unmodified-since');
  const ifModifiedSince = header(context, 'x-amz-copy-source-if-modified-since');
  if (ifMatch !== undefined && !etagMatches(ifMatch, source.etag)) {
    throw s3Errors.preconditionFailed('x-amz-copy-source-If-Match');
  }
  if (ifNoneMatch !== undefined && etagMatches(ifNoneMatch, source.etag)) {
    throw s3Errors.preconditionFailed('x-amz-copy-source-If-None-Match');
  }
  const seconds = Math.floor(source.lastModified.getTime() / 1000);
  if (ifUnmodifiedSince !== undefined && seconds > Math.floor(Date.parse(ifUnmodifiedSince) / 1000)) {
    throw s3Errors.preconditionFailed('x-amz-copy-source-If-Unmodified-Since');
  }
  if (ifModifiedSince !== undefined && seconds <= Math.floor(Date.parse(ifModifiedSince) / 1000)) {
    throw s3Errors.preconditionFailed('x-amz-copy-source-If-Modified-Since');
  }
}

/** Rejects conditional-write headers S3 does not implement, before any body byte is read. */
export function checkWriteConditionHeaders(context: RequestContext): void {
  const ifNoneMatch = header(context, 'if-none-match');
  if (ifNoneMatch !== undefined && ifNoneMatch.trim() !== '*') {
    throw s3Errors.notImplemented(
      'A header you provided implies functionality that is not implemented: If-None-Match on a write accepts only "*".',
    );
  }
}

/** Conditional writes: If-None-Match: * needs no object; If-Match needs an object with that ETag. */
export function checkWriteConditions(context: RequestContext, bucket: Bucket, key: string): void {
  const current = bucket.objects.get(key);
  if (header(context, 'if-none-match') !== undefined && current !== undefined) {
    throw s3Errors.preconditionFailed('If-None-Match');
  }
  const ifMatch = header(context, 'if-match');
  if (ifMatch === undefined) {
    return;
  }
  if (current === undefined) {
    throw context.state.profile.ifMatchOnMissingStatus === 404
      ? s3Errors.noSuchKey(key)
      : s3Errors.preconditionFailed('If-Match');
  }
  if (!etagMatches(ifMatch, current.etag)) {
    throw s3Errors.preconditionFailed('If-Match');
  }
}

async function md5Of(object: StoredObject): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of await openObject(object)) {
    hash.update(chunk as Buffer);
  }
  return hash.digest('hex');
}

function pick<T extends object, K extends keyof T>(source: T, names: readonly K[]): Partial<Pick<T, K>> {
  const result: Partial<Pick<T, K>> = {};
  for (const name of names) {
    if (source[name] !== undefined) {
      result[name] = source[name];
    }
  }
  return result;
}
