import { randomBytes } from 'node:crypto';
import { type RequestContext, requireBucket, requireKey, sendXml } from '../context.js';
import { s3Errors } from '../errors.js';
import { uriEncode } from '../sigv4.js';
import { compareKeys, type StoredObject } from '../storage.js';
import type { XmlNode } from '../xml.js';
import { requireUpload } from './multipart.js';

/** S3 returns at most 1000 keys, uploads or parts per page. */
const MAX_PAGE = 1000;

interface ListPosition {
  /** Last key returned; the next page starts after it. */
  after: string | undefined;
  /** Common prefix returned last; keys under it are skipped. */
  skipPrefix: string | undefined;
}

/**
 * ListObjectsV2 with prefix, delimiter, start-after, max-keys, encoding-type and opaque continuation
 * tokens. The page size is also capped by the peer's `maxListPageSize` and `listPageSize` options,
 * which can make pages short or empty while `IsTruncated` stays true, as S3 allows.
 */
export function listObjectsV2(context: RequestContext): void {
  const bucket = requireBucket(context);
  const { query, state } = context;
  const prefix = query.get('prefix') ?? '';
  const delimiter = query.get('delimiter') || undefined;
  const encodingType = query.get('encoding-type');
  if (encodingType !== undefined && encodingType !== 'url') {
    throw s3Errors.invalidArgument(
      'Invalid Encoding Method specified in Request',
      'encoding-type',
      encodingType,
    );
  }
  const maxKeys = parseCount(query.get('max-keys'), 'max-keys');
  const token = query.get('continuation-token');
  const startAfter = query.get('start-after');
  const position: ListPosition =
    token === undefined ? { after: startAfter, skipPrefix: undefined } : decodeToken(token);
  let limit = Math.min(maxKeys, MAX_PAGE, state.maxListPageSize);
  if (state.listPageSize !== undefined) {
    limit = Math.min(limit, Math.max(0, state.listPageSize(state.listCalls)));
  }
  state.listCalls += 1;

  const contents: StoredObject[] = [];
  const commonPrefixes: string[] = [];
  let last: ListPosition = position;
  let truncated = false;
  for (const key of state.storage.sortedKeys(bucket)) {
    if (!key.startsWith(prefix) || (position.after !== undefined && compareKeys(key, position.after) <= 0)) {
      continue;
    }
    if (position.skipPrefix !== undefined && key.startsWith(position.skipPrefix)) {
      continue;
    }
    const groupEnd = delimiter === undefined ? -1 : key.indexOf(delimiter, prefix.length);
    const group = groupEnd < 0 ? undefined : key.slice(0, groupEnd + (delimiter as string).length);
    if (group !== undefined && group === last.skipPrefix) {
      continue;
    }
    if (contents.length + commonPrefixes.length >= limit) {
      // An explicit max-keys=0 returns an empty, complete page, as S3 does.
      truncated = maxKeys > 0;
      break;
    }
    if (group !== undefined) {
      commonPrefixes.push(group);
      last = { after: key, skipPrefix: group };
    } else {
      contents.push(bucket.objects.get(key) as StoredObject);
      last = { after: key, skipPrefix: undefined };
    }
  }

  const encode = (text: string): string =>
    encodingType === 'url' ? text.split('/').map(uriEncode).join('/') : text;
  const result: XmlNode = {
    Name: bucket.name,
    Prefix: encode(prefix),
    Delimiter: delimiter === undefined ? undefined : encode(delimiter),
    MaxKeys: maxKeys,
    EncodingType: encodingType,
    KeyCount: contents.length + commonPrefixes.length,
    IsTruncated: truncated,
    ContinuationToken: token,
    NextContinuationToken: truncated ? encodeToken(last) : undefined,
    StartAfter: startAfter === undefined ? undefined : encode(startAfter),
    Contents: contents.map((object) => ({
      Key: encode(object.key),
      LastModified: object.lastModified.toISOString(),
      ETag: object.etag,
      Size: object.size,
      StorageClass: 'STANDARD',
    })),
    CommonPrefixes: commonPrefixes.map((group) => ({ Prefix: encode(group) })),
  };
  sendXml(context, 200, { ListBucketResult: result });
}

export function listMultipartUploads(context: RequestContext): void {
  const bucket = requireBucket(context);
  const { query } = context;
  if (query.has('delimiter')) {
    throw s3Errors.notImplemented(
      'ListMultipartUploads with a delimiter is not implemented by this S3 peer.',
    );
  }
  const prefix = query.get('prefix') ?? '';
  const keyMarker = query.get('key-marker');
  const uploadIdMarker = query.get('upload-id-marker');
  const maxUploads = Math.min(parseCount(query.get('max-uploads'), 'max-uploads'), MAX_PAGE);

  const uploads = [...bucket.uploads.values()]
    .filter((upload) => upload.key.startsWith(prefix))
    .sort(
      (left, right) =>
        compareKeys(left.key, right.key) || left.initiated.getTime() - right.initiated.getTime(),
    )
    .filter((upload) => {
      if (keyMarker === undefined) {
        return true;
      }
      const order = compareKeys(upload.key, keyMarker);
      return order > 0 || (order === 0 && uploadIdMarker !== undefined && upload.uploadId > uploadIdMarker);
    });

  const page = uploads.slice(0, maxUploads);
  const truncated = uploads.length > page.length;
  const lastUpload = page[page.length - 1];
  sendXml(context, 200, {
    ListMultipartUploadsResult: {
      Bucket: bucket.name,
      KeyMarker: keyMarker ?? '',
      UploadIdMarker: uploadIdMarker ?? '',
      NextKeyMarker: truncated ? lastUpload?.key : undefined,
      NextUploadIdMarker: truncated ? lastUpload?.uploadId : undefined,
      Prefix: prefix,
      MaxUploads: maxUploads,
      IsTruncated: truncated,
      Upload: page.map((upload) => ({
        Key: upload.key,
        UploadId: upload.uploadId,
        Initiator: { ID: context.state.credentials.accessKeyId, DisplayName: 'peer' },
        Owner: { ID: context.state.credentials.accessKeyId, DisplayName: 'peer' },
        StorageClass: 'STANDARD',
        Initiated: upload.initiated.toISOString(),
      })),
    },
  });
}

export function listParts(context: RequestContext): void {
  const bucket = requireBucket(context);
  const upload = requireUpload(context, bucket, requireKey(context));
  const maxParts = Math.min(parseCount(context.query.get('max-parts'), 'max-parts'), MAX_PAGE);
  const marker = Number(context.query.get('part-number-marker') ?? '0');
  const parts = [...upload.parts.values()]
    .filter((part) => part.partNumber > marker)
    .sort((left, right) => left.partNumber - right.partNumber);
  const page = parts.slice(0, maxParts);
  const truncated = parts.length > page.length;
  sendXml(context, 200, {
    ListPartsResult: {
      Bucket: bucket.name,
      Key: upload.key,
      UploadId: upload.uploadId,
      PartNumberMarker: marker,
      NextPartNumberMarker: page[page.length - 1]?.partNumber,
      MaxParts: maxParts,
      IsTruncated: truncated,
      Part: page.map((part) => ({
        PartNumber: part.partNumber,
        LastModified: part.lastModified.toISOString(),
        ETag: part.etag,
        Size: part.size,
      })),
    },
  });
}

function parseCount(value: string | undefined, name: string): number {
  if (value === undefined) {
    return MAX_PAGE;
  }
  if (!/^\d+$/.test(value)) {
    throw s3Errors.invalidArgument(`Provided ${name} not an integer or within integer range`, name, value);
  }
  return Number(value);
}

/** Tokens are opaque to clients; a random nonce makes every token unique, even for empty pages. */
function encodeToken(position: ListPosition): string {
  return Buffer.from(
    JSON.stringify({ a: position.after, s: position.skipPrefix, n: randomBytes(6).toString('base64url') }),
  ).toString('base64url');
}

function decodeToken(token: string): ListPosition {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
      a?: unknown;
      s?: unknown;
      n?: unknown;
    };
    if (typeof parsed.n !== 'string' || (parsed.a !== undefined && typeof parsed.a !== 'string')) {
      throw new Error('bad token');
    }
    return {
      after: parsed.a as string | undefined,
      skipPrefix: typeof parsed.s === 'string' ? parsed.s : undefined,
    };
  } catch {
    throw s3Errors.invalidArgument(
      'The continuation token provided is incorrect',
      'continuation-token',
      token,
    );
  }
}
