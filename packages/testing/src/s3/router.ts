import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { drainBody } from './body.js';
import { baseHeaders, type PeerState, type RequestContext } from './context.js';
import { S3Error, s3Errors } from './errors.js';
import type { FaultRule } from './faults.js';
import {
  createBucket,
  deleteBucket,
  deleteObjects,
  getBucketLocation,
  headBucket,
  listBuckets,
} from './handlers/buckets.js';
import { listMultipartUploads, listObjectsV2, listParts } from './handlers/listing.js';
import {
  abortMultipartUpload,
  completeMultipartUpload,
  createMultipartUpload,
  uploadPart,
} from './handlers/multipart.js';
import { copyObject, deleteObject, putObject } from './handlers/objects.js';
import { getObject } from './handlers/read.js';
import { resolveOperation, type S3Operation } from './operations.js';
import { decodeComponent, verifySignature } from './sigv4.js';
import { renderError } from './xml.js';

/** S3 and R2 limit keys to 1024 bytes of UTF-8. */
const MAX_KEY_BYTES = 1024;

/**
 * Handles one request: parses the path-style address, names the operation, verifies the signature,
 * applies injected faults and the access policy, then runs the operation. Every failure becomes an
 * S3 XML error response; unexpected exceptions return 500 and are kept in `state.internalErrors`.
 */
export async function handleRequest(
  state: PeerState,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const requestId = randomBytes(8).toString('hex').toUpperCase();
  const url = request.url ?? '/';
  const queryStart = url.indexOf('?');
  const rawPath = queryStart < 0 ? url : url.slice(0, queryStart);
  const rawQuery = queryStart < 0 ? '' : url.slice(queryStart + 1);
  const method = request.method ?? 'GET';
  const context: RequestContext = {
    state,
    request,
    response,
    requestId,
    operation: 'Unsupported',
    bucketName: undefined,
    key: undefined,
    query: new Map(),
    payloadHash: '',
    presigned: false,
  };
  let status = 500;
  let errorCode: string | undefined;
  try {
    const address = parseAddress(rawPath, state);
    context.bucketName = address.bucket;
    context.key = address.key;
    const query = new Map<string, string>();
    for (const pair of rawQuery === '' ? [] : rawQuery.split('&')) {
      const separator = pair.indexOf('=');
      query.set(
        decodeComponent(separator < 0 ? pair : pair.slice(0, separator), true),
        separator < 0 ? '' : decodeComponent(pair.slice(separator + 1), true),
      );
    }
    context.query = query;
    context.operation = resolveOperation(method, address.bucket, address.key, query, request.headers);
    const verified = verifySignature(
      { method, rawPath, rawQuery, headers: request.headersDistinct },
      {
        credentials: state.credentials,
        expectedRegion: state.region,
        acceptsRegion: (region) => region === state.region || state.profile.regionAliases.includes(region),
        now: () => Date.now() + state.clockOffsetMs,
      },
    );
    context.payloadHash = verified.payloadHash;
    context.presigned = verified.kind === 'presigned';

    const fault = state.faults.take({
      operation: context.operation,
      method,
      bucket: address.bucket,
      key: address.key,
      partNumber: query.has('partNumber') ? Number(query.get('partNumber')) : undefined,
      headers: request.headers,
      query,
    });
    if (fault !== undefined) {
      status = await applyFault(context, fault);
      errorCode = fault.code ?? 'SlowDown';
      return;
    }
    const policy = state.accessPolicy;
    if (
      policy !== undefined &&
      !policy({ operation: context.operation, bucket: address.bucket, key: address.key })
    ) {
      throw s3Errors.accessDenied();
    }
    await dispatch(context);
    status = response.statusCode;
  } catch (error) {
    const s3Error = error instanceof S3Error ? error : undefined;
    if (s3Error === undefined) {
      state.internalErrors.push(error);
    }
    const failure = s3Error ?? s3Errors.internal();
    status = failure.status;
    errorCode = failure.code;
    await sendError(context, failure, rawPath);
  } finally {
    state.requestLog.push({
      operation: context.operation,
      method,
      bucket: context.bucketName,
      key: context.key,
      query: Object.fromEntries(context.query),
      headers: { ...request.headers },
      status,
      ...(errorCode === undefined ? {} : { errorCode }),
    });
    if (state.requestLog.length > 2000) {
      state.requestLog.splice(0, state.requestLog.length - 2000);
    }
  }
}

function parseAddress(
  rawPath: string,
  state: PeerState,
): { bucket: string | undefined; key: string | undefined } {
  if (!rawPath.startsWith('/')) {
    throw s3Errors.invalidRequest(
      'The request path must start with "/"; this peer accepts path-style addresses only.',
    );
  }
  const withoutSlash = rawPath.slice(1);
  const separator = withoutSlash.indexOf('/');
  const bucketPart = separator < 0 ? withoutSlash : withoutSlash.slice(0, separator);
  const keyPart = separator < 0 ? '' : withoutSlash.slice(separator + 1);
  const bucket = bucketPart === '' ? undefined : decodeComponent(bucketPart);
  if (keyPart === '') {
    return { bucket, key: undefined };
  }
  let key = decodeComponent(keyPart);
  if (state.profile.normalizesKeysToNfc) {
    key = key.normalize('NFC');
  }
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) {
    throw new S3Error(400, 'KeyTooLongError', 'Your key is too long', {
      Size: String(Buffer.byteLength(key)),
      MaxSizeAllowed: String(MAX_KEY_BYTES),
    });
  }
  return { bucket, key };
}

async function dispatch(context: RequestContext): Promise<void> {
  const handlers: Record<S3Operation, (context: RequestContext) => void | Promise<void>> = {
    ListBuckets: listBuckets,
    CreateBucket: createBucket,
    HeadBucket: headBucket,
    DeleteBucket: deleteBucket,
    GetBucketLocation: getBucketLocation,
    ListObjectsV2: listObjectsV2,
    ListObjects: () => {
      throw s3Errors.notImplemented(
        'ListObjects (version 1) is not implemented by this S3 peer; use ListObjectsV2.',
      );
    },
    DeleteObjects: deleteObjects,
    ListMultipartUploads: listMultipartUploads,
    PutObject: putObject,
    CopyObject: copyObject,
    GetObject: (current) => getObject(current, true),
    HeadObject: (current) => getObject(current, false),
    DeleteObject: deleteObject,
    CreateMultipartUpload: createMultipartUpload,
    UploadPart: uploadPart,
    UploadPartCopy: () => {
      throw s3Errors.notImplemented('UploadPartCopy is not implemented by this S3 peer.');
    },
    CompleteMultipartUpload: completeMultipartUpload,
    AbortMultipartUpload: abortMultipartUpload,
    ListParts: listParts,
    Acl: (current) => {
      throw s3Errors.notImplemented(
        current.state.profile.rejectsAcl
          ? 'ACLs are not implemented; this store has no ACLs.'
          : 'ACL requests are not implemented by this S3 peer.',
      );
    },
    Tagging: () => {
      throw s3Errors.notImplemented('Object tagging is not implemented.');
    },
    Unsupported: () => {
      throw s3Errors.notImplemented(
        'A header or query you provided implies functionality that is not implemented.',
      );
    },
  };
  await handlers[context.operation](context);
}

async function applyFault(context: RequestContext, fault: FaultRule): Promise<number> {
  const action = fault.action ?? 'error';
  if (action === 'drop') {
    context.request.socket.destroy();
    return 0;
  }
  if (action === 'stall') {
    // Send no response, so the client's timeout or the peer's close ends the connection.
    await drainBody(context.request);
    return 0;
  }
  await drainBody(context.request);
  const error = new S3Error(
    fault.status ?? 503,
    fault.code ?? 'SlowDown',
    fault.message ?? 'Please reduce your request rate. (fault injected by the S3 peer)',
  );
  await sendError(context, error, context.request.url ?? '/');
  return error.status;
}

async function sendError(context: RequestContext, error: S3Error, resource: string): Promise<void> {
  const { request, response } = context;
  if (response.headersSent) {
    response.destroy();
    return;
  }
  const unreadBody = !request.readableEnded;
  const headers: Record<string, string> = { ...baseHeaders(context), ...error.headers };
  if (unreadBody) {
    // The client may still be sending. Closing after the response keeps a half-read body from being parsed as a request.
    headers.connection = 'close';
  }
  if (request.method === 'HEAD' || error.status === 304) {
    response.writeHead(error.status, headers);
    response.end();
  } else {
    const body = renderError(error, decodeSafely(resource), context.requestId);
    response.writeHead(error.status, {
      ...headers,
      'content-type': 'application/xml',
      'content-length': String(Buffer.byteLength(body)),
    });
    response.end(body);
  }
  if (unreadBody) {
    request.resume();
  }
}

function decodeSafely(resource: string): string {
  try {
    return decodeURIComponent(resource.split('?')[0] ?? resource);
  } catch {
    return resource;
  }
}
