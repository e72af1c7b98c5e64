import { S3Error } from './errors.js';

/** S3 API operations the peer recognizes. Some of them return 501 NotImplemented by design. */
export type S3Operation =
  | 'ListBuckets'
  | 'CreateBucket'
  | 'HeadBucket'
  | 'DeleteBucket'
  | 'GetBucketLocation'
  | 'ListObjectsV2'
  | 'ListObjects'
  | 'DeleteObjects'
  | 'ListMultipartUploads'
  | 'PutObject'
  | 'CopyObject'
  | 'GetObject'
  | 'HeadObject'
  | 'DeleteObject'
  | 'CreateMultipartUpload'
  | 'UploadPart'
  | 'UploadPartCopy'
  | 'CompleteMultipartUpload'
  | 'AbortMultipartUpload'
  | 'ListParts'
  | 'Acl'
  | 'Tagging'
  | 'Unsupported';

/** Bucket subresources this peer does not implement, so requests for them return 501. */
const UNSUPPORTED_SUBRESOURCES = [
  'versioning',
  'versions',
  'policy',
  'lifecycle',
  'cors',
  'website',
  'encryption',
  'replication',
  'logging',
  'notification',
  'object-lock',
  'retention',
  'legal-hold',
  'torrent',
  'restore',
  'select',
  'attributes',
  'accelerate',
  'analytics',
  'inventory',
  'metrics',
  'ownershipControls',
  'publicAccessBlock',
  'requestPayment',
  'intelligent-tiering',
];

/** Names the S3 operation of a path-style request from its method, bucket, key and query. */
export function resolveOperation(
  method: string,
  bucket: string | undefined,
  key: string | undefined,
  query: ReadonlyMap<string, string>,
  headers: Record<string, string | string[] | undefined>,
): S3Operation {
  if (query.has('acl')) {
    return 'Acl';
  }
  if (query.has('tagging')) {
    return 'Tagging';
  }
  if (UNSUPPORTED_SUBRESOURCES.some((name) => query.has(name))) {
    return 'Unsupported';
  }
  if (bucket === undefined) {
    if (method === 'GET') {
      return 'ListBuckets';
    }
    throw methodNotAllowed(method);
  }
  if (key === undefined) {
    return bucketOperation(method, query);
  }
  switch (method) {
    case 'PUT':
      if (query.has('uploadId') || query.has('partNumber')) {
        return headers['x-amz-copy-source'] === undefined ? 'UploadPart' : 'UploadPartCopy';
      }
      return headers['x-amz-copy-source'] === undefined ? 'PutObject' : 'CopyObject';
    case 'GET':
      return query.has('uploadId') ? 'ListParts' : 'GetObject';
    case 'HEAD':
      return 'HeadObject';
    case 'DELETE':
      return query.has('uploadId') ? 'AbortMultipartUpload' : 'DeleteObject';
    case 'POST':
      if (query.has('uploads')) {
        return 'CreateMultipartUpload';
      }
      if (query.has('uploadId')) {
        return 'CompleteMultipartUpload';
      }
      throw methodNotAllowed(method);
    default:
      throw methodNotAllowed(method);
  }
}

function bucketOperation(method: string, query: ReadonlyMap<string, string>): S3Operation {
  switch (method) {
    case 'PUT':
      return 'CreateBucket';
    case 'HEAD':
      return 'HeadBucket';
    case 'DELETE':
      return 'DeleteBucket';
    case 'POST':
      if (query.has('delete')) {
        return 'DeleteObjects';
      }
      throw methodNotAllowed(method);
    case 'GET':
      if (query.has('location')) {
        return 'GetBucketLocation';
      }
      if (query.has('uploads')) {
        return 'ListMultipartUploads';
      }
      return query.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects';
    default:
      throw methodNotAllowed(method);
  }
}

function methodNotAllowed(method: string): S3Error {
  return new S3Error(
    405,
    'MethodNotAllowed',
    `The specified method ${method} is not allowed against this resource.`,
    {
      Method: method,
    },
  );
}
