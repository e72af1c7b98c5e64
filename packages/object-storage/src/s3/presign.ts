import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { PresignedRequest, PresignOptions, PresignPutOptions } from '../types.js';
import { validateContentLength, validateExpiry } from '../urls.js';
import { translateS3Error } from './errors.js';

/**
 * Presigns a GET. The presigning client uses WHEN_REQUIRED checksums, so the URL carries no
 * `x-amz-checksum-mode` parameter that a store might reject.
 */
export async function presignGet(
  client: S3Client,
  bucket: string,
  key: string,
  options: PresignOptions,
): Promise<PresignedRequest> {
  validateExpiry(options.expiresInSeconds);
  const expiresAt = new Date(Date.now() + options.expiresInSeconds * 1000);
  try {
    const url = await getSignedUrl(client, new GetObjectCommand({ Bucket: bucket, Key: key }), {
      expiresIn: options.expiresInSeconds,
    });
    return { url, method: 'GET', headers: {}, expiresAt };
  } catch (error) {
    throw translateS3Error(error, { operation: 'presign GetObject', bucket, key });
  }
}

/**
 * Presigns a PUT whose `Content-Type` (and `Content-Length` and `Content-Disposition` when given) are
 * signed headers. The SDK signs only `host` by default, which would let the holder of a URL issued for
 * a PNG upload HTML. The uploader must send the returned headers byte for byte.
 */
export async function presignPut(
  client: S3Client,
  bucket: string,
  key: string,
  options: PresignPutOptions,
): Promise<PresignedRequest> {
  validateExpiry(options.expiresInSeconds);
  validateContentLength(options.contentLength);
  const headers: Record<string, string> = { 'content-type': options.contentType };
  if (options.contentLength !== undefined) {
    headers['content-length'] = String(options.contentLength);
  }
  if (options.contentDisposition !== undefined) {
    headers['content-disposition'] = options.contentDisposition;
  }
  const expiresAt = new Date(Date.now() + options.expiresInSeconds * 1000);
  try {
    const command = new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      ContentType: options.contentType,
      ...(options.contentLength === undefined ? {} : { ContentLength: options.contentLength }),
      ...(options.contentDisposition === undefined ? {} : { ContentDisposition: options.contentDisposition }),
    });
    const url = await getSignedUrl(client, command, {
      expiresIn: options.expiresInSeconds,
      signableHeaders: new Set(Object.keys(headers)),
    });
    return { url, method: 'PUT', headers, expiresAt };
  } catch (error) {
    throw translateS3Error(error, { operation: 'presign PutObject', bucket, key });
  }
}
