import { rm } from 'node:fs/promises';
import { drainBody, receiveBody } from '../body.js';
import { now, type RequestContext, requireBucket, requireKey, sendEmpty, sendXml } from '../context.js';
import { s3Errors } from '../errors.js';
import {
  assembleParts,
  MAX_PART_BYTES,
  type MultipartUpload,
  newUploadId,
  parsePartNumber,
  type RequestedPart,
} from '../multipart.js';
import type { Bucket, StoredObject } from '../storage.js';
import { parseXmlBody, textOf } from '../xml.js';
import { MAX_XML_BODY_BYTES } from './buckets.js';
import { checkUnsupportedHeaders, storedHeadersFrom } from './object-headers.js';
import { checkWriteConditionHeaders, checkWriteConditions } from './objects.js';

export async function createMultipartUpload(context: RequestContext): Promise<void> {
  const bucket = requireBucket(context);
  const key = requireKey(context);
  checkUnsupportedHeaders(context);
  const headers = storedHeadersFrom(context);
  await drainBody(context.request);
  const upload: MultipartUpload = {
    uploadId: newUploadId(),
    key,
    initiated: now(context.state),
    headers,
    parts: new Map(),
  };
  bucket.uploads.set(upload.uploadId, upload);
  sendXml(context, 200, {
    InitiateMultipartUploadResult: { Bucket: bucket.name, Key: key, UploadId: upload.uploadId },
  });
}

export async function uploadPart(context: RequestContext): Promise<void> {
  const bucket = requireBucket(context);
  const key = requireKey(context);
  const partNumber = parsePartNumber(context.query.get('partNumber'));
  const upload = requireUpload(context, bucket, key);

  const { storage } = context.state;
  const temporary = storage.temporaryPath();
  const body = await receiveBody(
    context.request,
    context.query,
    context.payloadHash,
    { ...context.state.bodyPolicy, maxBytes: Math.min(context.state.bodyPolicy.maxBytes, MAX_PART_BYTES) },
    { file: temporary },
  );
  // The upload may have been aborted or completed while the part was arriving.
  if (bucket.uploads.get(upload.uploadId) !== upload) {
    await rm(temporary, { force: true });
    throw s3Errors.noSuchUpload(upload.uploadId);
  }

  const etag = `"${body.md5.toString('hex')}"`;
  const previous = upload.parts.get(partNumber);
  upload.parts.set(partNumber, {
    partNumber,
    etag,
    md5: body.md5,
    size: body.size,
    path: await storage.keep(temporary),
    lastModified: now(context.state),
  });
  if (previous !== undefined) {
    await storage.discard([previous]);
  }
  sendEmpty(context, 200, {
    etag,
    ...(body.checksum === undefined
      ? {}
      : { [`x-amz-checksum-${body.checksum.algorithm}`]: body.checksum.value }),
  });
}

export async function completeMultipartUpload(context: RequestContext): Promise<void> {
  const bucket = requireBucket(context);
  const key = requireKey(context);
  const upload = requireUpload(context, bucket, key);
  checkWriteConditionHeaders(context);
  const body = await receiveBody(
    context.request,
    context.query,
    context.payloadHash,
    { ...context.state.bodyPolicy, maxBytes: MAX_XML_BODY_BYTES },
    'memory',
  );
  const root = parseXmlBody(body.bytes ?? Buffer.alloc(0), 'CompleteMultipartUpload');
  const requested: RequestedPart[] = ((root.Part ?? []) as unknown[]).map((part) => {
    const etag = textOf(part, 'ETag');
    if (etag === undefined) {
      throw s3Errors.malformedXml();
    }
    return { partNumber: parsePartNumber(textOf(part, 'PartNumber')), etag };
  });
  const assembled = assembleParts(upload, requested, context.state.profile, context.state.minPartSize);
  checkWriteConditions(context, bucket, key);

  bucket.uploads.delete(upload.uploadId);
  const used = new Set(assembled.parts);
  await context.state.storage.discard([...upload.parts.values()].filter((part) => !used.has(part)));
  const object: StoredObject = {
    key,
    size: assembled.size,
    etag: assembled.etag,
    lastModified: now(context.state),
    ...upload.headers,
    segments: assembled.parts.map((part) => ({ path: part.path, size: part.size })),
    partsCount: assembled.parts.length,
  };
  await context.state.storage.putObject(bucket, object);
  sendXml(context, 200, {
    CompleteMultipartUploadResult: {
      Location: `/${bucket.name}/${key}`,
      Bucket: bucket.name,
      Key: key,
      ETag: assembled.etag,
    },
  });
}

export async function abortMultipartUpload(context: RequestContext): Promise<void> {
  const bucket = requireBucket(context);
  const upload = requireUpload(context, bucket, requireKey(context));
  await drainBody(context.request);
  bucket.uploads.delete(upload.uploadId);
  await context.state.storage.discard([...upload.parts.values()]);
  sendEmpty(context, 204);
}

export function requireUpload(context: RequestContext, bucket: Bucket, key: string): MultipartUpload {
  const uploadId = context.query.get('uploadId') ?? '';
  const upload = bucket.uploads.get(uploadId);
  if (upload === undefined || upload.key !== key) {
    throw s3Errors.noSuchUpload(uploadId);
  }
  return upload;
}
