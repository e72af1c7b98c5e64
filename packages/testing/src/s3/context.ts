import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { BodyPolicy } from './body.js';
import { s3Errors } from './errors.js';
import type { FaultInjector } from './faults.js';
import type { S3Operation } from './operations.js';
import type { S3PeerProfile } from './profiles.js';
import type { Credentials } from './sigv4.js';
import type { Bucket, PeerStorage } from './storage.js';
import { renderXml, type XmlNode } from './xml.js';

/** Decides whether a signed request may run. When it returns false, the peer responds 403 AccessDenied. */
export type AccessPolicy = (request: {
  operation: S3Operation;
  bucket: string | undefined;
  key: string | undefined;
}) => boolean;

/** One request as the peer saw it, for tests that check what a client sent. */
export interface RequestLogEntry {
  operation: S3Operation;
  method: string;
  bucket: string | undefined;
  key: string | undefined;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  status: number;
  errorCode?: string;
}

/** Shared state of a running peer. */
export interface PeerState {
  storage: PeerStorage;
  profile: S3PeerProfile;
  credentials: Credentials;
  region: string;
  strictMd5: boolean;
  bodyPolicy: BodyPolicy;
  minPartSize: number;
  maxListPageSize: number;
  /** Page size for the n-th ListObjectsV2 call (0-based); 0 yields an empty truncated page. */
  listPageSize: ((call: number) => number) | undefined;
  listCalls: number;
  faults: FaultInjector;
  accessPolicy: AccessPolicy | undefined;
  clockOffsetMs: number;
  requestLog: RequestLogEntry[];
  /** Unexpected exceptions, each returned to the client as 500 InternalError. Tests can assert that there were none. */
  internalErrors: unknown[];
}

/** One request being handled. */
export interface RequestContext {
  state: PeerState;
  request: IncomingMessage;
  response: ServerResponse;
  requestId: string;
  operation: S3Operation;
  bucketName: string | undefined;
  key: string | undefined;
  query: ReadonlyMap<string, string>;
  /** Verified `x-amz-content-sha256` value (UNSIGNED-PAYLOAD for presigned requests). */
  payloadHash: string;
  /** True for requests authenticated by a presigned URL. */
  presigned: boolean;
}

export function now(state: PeerState): Date {
  return new Date(Date.now() + state.clockOffsetMs);
}

export function requireBucket(context: RequestContext): Bucket {
  const name = context.bucketName ?? '';
  const bucket = context.state.storage.buckets.get(name);
  if (bucket === undefined) {
    throw s3Errors.noSuchBucket(name);
  }
  return bucket;
}

export function requireKey(context: RequestContext): string {
  if (context.key === undefined) {
    throw s3Errors.invalidRequest('This operation needs an object key.');
  }
  return context.key;
}

export function header(context: RequestContext, name: string): string | undefined {
  const value = context.request.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

export function sendXml(
  context: RequestContext,
  status: number,
  root: XmlNode,
  headers: Record<string, string> = {},
): void {
  const body = renderXml(root);
  context.response.writeHead(status, {
    ...baseHeaders(context),
    'content-type': 'application/xml',
    'content-length': String(Buffer.byteLength(body)),
    ...headers,
  });
  context.response.end(body);
}

export function sendEmpty(
  context: RequestContext,
  status: number,
  headers: Record<string, string> = {},
): void {
  context.response.writeHead(status, { ...baseHeaders(context), 'content-length': '0', ...headers });
  context.response.end();
}

export function sendStream(
  context: RequestContext,
  status: number,
  headers: Record<string, string>,
  body: Readable | undefined,
): void {
  context.response.writeHead(status, { ...baseHeaders(context), ...headers });
  if (body === undefined) {
    context.response.end();
    return;
  }
  body.on('error', () => context.response.destroy());
  body.pipe(context.response);
}

export function baseHeaders(context: RequestContext): Record<string, string> {
  return {
    'x-amz-request-id': context.requestId,
    'x-amz-id-2': context.requestId,
    server: 'SkillancerS3Peer',
    date: now(context.state).toUTCString(),
  };
}
