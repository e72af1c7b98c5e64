import { drainBody, receiveBody } from '../body.js';
import { validateBucketName } from '../buckets.js';
import { header, type RequestContext, requireBucket, sendEmpty, sendXml } from '../context.js';
import { S3Error, s3Errors } from '../errors.js';
import type { XmlNode } from '../xml.js';
import { parseXmlBody, textOf } from '../xml.js';

/** DeleteObjects accepts at most 1000 keys per request. */
const MAX_DELETE_KEYS = 1000;
/** Request bodies that hold XML documents are small; 1000 keys of 1024 bytes fit in 2 MiB. */
export const MAX_XML_BODY_BYTES = 2 * 1024 * 1024;

export function listBuckets(context: RequestContext): void {
  const buckets = [...context.state.storage.buckets.values()].sort((left, right) =>
    left.name < right.name ? -1 : 1,
  );
  sendXml(context, 200, {
    ListAllMyBucketsResult: {
      Owner: { ID: context.state.credentials.accessKeyId, DisplayName: 'peer' },
      Buckets: {
        Bucket: buckets.map((bucket) => ({
          Name: bucket.name,
          CreationDate: bucket.createdAt.toISOString(),
        })),
      },
    },
  });
}

export async function createBucket(context: RequestContext): Promise<void> {
  const name = context.bucketName ?? '';
  validateBucketName(name);
  await drainBody(context.request);
  if (!(await context.state.storage.createBucket(name))) {
    throw new S3Error(
      409,
      'BucketAlreadyOwnedByYou',
      'Your previous request to create the named bucket succeeded and you already own it.',
      {
        BucketName: name,
      },
    );
  }
  sendEmpty(context, 200, { location: `/${name}` });
}

export function headBucket(context: RequestContext): void {
  requireBucket(context);
  sendEmpty(context, 200, { 'x-amz-bucket-region': context.state.region });
}

export function getBucketLocation(context: RequestContext): void {
  requireBucket(context);
  const region = context.state.region === 'us-east-1' ? undefined : context.state.region;
  sendXml(context, 200, { LocationConstraint: region ?? '' });
}

export async function deleteBucket(context: RequestContext): Promise<void> {
  const bucket = requireBucket(context);
  if (bucket.objects.size > 0 || bucket.uploads.size > 0) {
    throw new S3Error(409, 'BucketNotEmpty', 'The bucket you tried to delete is not empty', {
      BucketName: bucket.name,
    });
  }
  await context.state.storage.deleteBucket(bucket);
  sendEmpty(context, 204);
}

/**
 * Handles DeleteObjects. The request needs an integrity header, and AWS accepts Content-MD5 or a
 * flexible checksum. With the strict-MD5 option only Content-MD5 is accepted, as on stores that reject
 * the request with `MissingContentMD5`. Each key is checked against the access policy, so tests can
 * produce per-key failures.
 */
export async function deleteObjects(context: RequestContext): Promise<void> {
  const bucket = requireBucket(context);
  const hasMd5 = header(context, 'content-md5') !== undefined;
  const hasChecksum = Object.keys(context.request.headers).some(
    (name) => name.startsWith('x-amz-checksum-') || name === 'x-amz-trailer',
  );
  if (context.state.strictMd5 && !hasMd5) {
    await drainBody(context.request);
    throw new S3Error(400, 'MissingContentMD5', 'Missing required header for this request: Content-MD5');
  }
  if (!hasMd5 && !hasChecksum) {
    await drainBody(context.request);
    throw s3Errors.invalidRequest(
      'Missing required header for this request: Content-MD5 or x-amz-checksum-*',
    );
  }

  const body = await receiveBody(
    context.request,
    context.query,
    context.payloadHash,
    { ...context.state.bodyPolicy, maxBytes: MAX_XML_BODY_BYTES },
    'memory',
  );
  const root = parseXmlBody(body.bytes ?? Buffer.alloc(0), 'Delete');
  const objects = (root.Object ?? []) as unknown[];
  if (!Array.isArray(objects) || objects.length === 0 || objects.length > MAX_DELETE_KEYS) {
    throw s3Errors.malformedXml();
  }

  const quiet = textOf(root, 'Quiet') === 'true';
  const deleted: XmlNode[] = [];
  const errors: XmlNode[] = [];
  for (const entry of objects) {
    let key = textOf(entry, 'Key');
    if (key === undefined || key === '') {
      throw s3Errors.malformedXml();
    }
    if (context.state.profile.normalizesKeysToNfc) {
      key = key.normalize('NFC');
    }
    const policy = context.state.accessPolicy;
    if (policy !== undefined && !policy({ operation: 'DeleteObject', bucket: bucket.name, key })) {
      errors.push({ Key: key, Code: 'AccessDenied', Message: 'Access Denied' });
      continue;
    }
    await context.state.storage.deleteObject(bucket, key);
    if (!quiet) {
      deleted.push({ Key: key });
    }
  }
  sendXml(context, 200, { DeleteResult: { Deleted: deleted, Error: errors } });
}
