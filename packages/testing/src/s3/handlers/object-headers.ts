import { header, type RequestContext } from '../context.js';
import { S3Error, s3Errors } from '../errors.js';
import { unquote } from '../multipart.js';
import type { StoredHeaders, StoredObject } from '../storage.js';

const DEFAULT_CONTENT_TYPE = 'binary/octet-stream';

/** Reads the headers S3 stores with an object from a PutObject, CopyObject or CreateMultipartUpload request. */
export function storedHeadersFrom(context: RequestContext): StoredHeaders {
  const metadata: Record<string, string> = {};
  let metadataBytes = 0;
  for (const [name, value] of Object.entries(context.request.headers)) {
    if (name.startsWith('x-amz-meta-') && value !== undefined) {
      const shortName = name.slice('x-amz-meta-'.length);
      const text = Array.isArray(value) ? value.join(',') : value;
      metadata[shortName] = text;
      metadataBytes += Buffer.byteLength(shortName) + Buffer.byteLength(text);
    }
  }
  if (metadataBytes > context.state.profile.maxMetadataBytes) {
    throw new S3Error(
      400,
      'MetadataTooLarge',
      'Your metadata headers exceed the maximum allowed metadata size',
      {
        Size: String(metadataBytes),
        MaxSizeAllowed: String(context.state.profile.maxMetadataBytes),
      },
    );
  }
  // aws-chunked describes the transfer, not the object, so S3 removes it from the stored Content-Encoding.
  const contentEncoding = header(context, 'content-encoding')
    ?.split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '' && part !== 'aws-chunked')
    .join(',');
  return {
    contentType: header(context, 'content-type') ?? DEFAULT_CONTENT_TYPE,
    metadata,
    ...optional('contentDisposition', header(context, 'content-disposition')),
    ...optional('contentEncoding', contentEncoding === '' ? undefined : contentEncoding),
    ...optional('contentLanguage', header(context, 'content-language')),
    ...optional('cacheControl', header(context, 'cache-control')),
    ...optional('expires', header(context, 'expires')),
  };
}

/** Rejects ACL and tagging headers with 501 where the profile has no ACLs or tagging, as R2 does. */
export function checkUnsupportedHeaders(context: RequestContext): void {
  const names = Object.keys(context.request.headers);
  if (context.state.profile.rejectsAcl) {
    const acl = names.find((name) => name === 'x-amz-acl' || name.startsWith('x-amz-grant-'));
    if (acl !== undefined) {
      throw s3Errors.notImplemented(
        `Header '${acl}' with value '${header(context, acl) ?? ''}' not implemented`,
      );
    }
  }
  if (context.state.profile.rejectsTagging && names.includes('x-amz-tagging')) {
    throw s3Errors.notImplemented("Header 'x-amz-tagging' not implemented");
  }
}

/** Response headers describing a stored object (GET and HEAD). */
export function objectHeaders(object: StoredObject): Record<string, string> {
  const headers: Record<string, string> = {
    etag: object.etag,
    'last-modified': object.lastModified.toUTCString(),
    'content-type': object.contentType,
    'accept-ranges': 'bytes',
  };
  if (object.contentDisposition !== undefined) headers['content-disposition'] = object.contentDisposition;
  if (object.contentEncoding !== undefined) headers['content-encoding'] = object.contentEncoding;
  if (object.contentLanguage !== undefined) headers['content-language'] = object.contentLanguage;
  if (object.cacheControl !== undefined) headers['cache-control'] = object.cacheControl;
  if (object.expires !== undefined) headers.expires = object.expires;
  for (const [name, value] of Object.entries(object.metadata)) {
    headers[`x-amz-meta-${name}`] = value;
  }
  return headers;
}

/**
 * Evaluates GET/HEAD conditions in the order S3 documents: If-Match (412), If-Unmodified-Since (412,
 * ignored when If-Match is present), If-None-Match (304), If-Modified-Since (304, ignored when
 * If-None-Match is present). Returns true when the response must be 304 Not Modified.
 */
export function checkReadConditions(context: RequestContext, object: StoredObject): boolean {
  const ifMatch = header(context, 'if-match');
  const ifNoneMatch = header(context, 'if-none-match');
  const ifModifiedSince = header(context, 'if-modified-since');
  const ifUnmodifiedSince = header(context, 'if-unmodified-since');
  if (ifMatch !== undefined && !etagMatches(ifMatch, object.etag)) {
    throw s3Errors.preconditionFailed('If-Match');
  }
  if (ifMatch === undefined && ifUnmodifiedSince !== undefined && modifiedAfter(object, ifUnmodifiedSince)) {
    throw s3Errors.preconditionFailed('If-Unmodified-Since');
  }
  if (ifNoneMatch !== undefined) {
    return etagMatches(ifNoneMatch, object.etag);
  }
  return ifModifiedSince !== undefined && !modifiedAfter(object, ifModifiedSince);
}

/** Returns true when a list of ETags (or `*`) from a conditional header contains `etag`. */
export function etagMatches(list: string, etag: string): boolean {
  return list.split(',').some((candidate) => {
    const trimmed = candidate.trim();
    return trimmed === '*' || unquote(trimmed) === unquote(etag);
  });
}

function modifiedAfter(object: StoredObject, httpDate: string): boolean {
  const time = Date.parse(httpDate);
  // An unparsable date makes the condition ignored, as HTTP requires.
  return !Number.isNaN(time) && Math.floor(object.lastModified.getTime() / 1000) > Math.floor(time / 1000);
}

/**
 * Parses a `Range` header against an object size. Returns undefined for no header, several ranges or
 * an unparsable value (S3 then returns the whole object), and throws 416 InvalidRange when the range
 * starts past the end or the object is empty.
 */
export function parseRange(
  value: string | undefined,
  size: number,
): { start: number; end: number } | undefined {
  const match = value === undefined ? null : /^bytes=(\d*)-(\d*)$/.exec(value.trim());
  if (match === null || (match[1] === '' && match[2] === '')) {
    return undefined;
  }
  const unsatisfiable = new S3Error(
    416,
    'InvalidRange',
    'The requested range is not satisfiable',
    { RangeRequested: value ?? '', ActualObjectSize: String(size) },
    { 'content-range': `bytes */${size}` },
  );
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0 || size === 0) {
      throw unsatisfiable;
    }
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(match[1]);
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (match[2] !== '' && Number(match[2]) < start) {
    return undefined;
  }
  if (start >= size) {
    throw unsatisfiable;
  }
  return { start, end };
}

function optional<K extends string>(name: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [name]: value } as Record<K, string>);
}
