import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { ObjectStorageError } from '../errors.js';
import type { TrackCall } from '../observe.js';
import type { ListedObject, ListOptions } from '../types.js';
import { translateS3Error } from './errors.js';
import { unquoteEtag } from './upload.js';

/** A store that keeps returning truncated empty pages is broken, so listing stops instead of looping forever. */
const MAX_CONSECUTIVE_EMPTY_PAGES = 100;

/**
 * Lists every key under `prefix`. Paging follows `IsTruncated` and `NextContinuationToken` only: a page
 * may hold fewer keys than asked, or none, while more follow. A truncated page without a new token
 * fails with `invalid_response` rather than restarting or looping.
 */
export async function* listObjects(
  client: S3Client,
  bucket: string,
  prefix: string,
  options: ListOptions,
  track: TrackCall,
): AsyncGenerator<ListedObject> {
  let token: string | undefined;
  let emptyPages = 0;
  for (;;) {
    const sentToken = token;
    const page = await track('list', async () => {
      try {
        return await client.send(
          new ListObjectsV2Command({
            Bucket: bucket,
            Prefix: prefix === '' ? undefined : prefix,
            ContinuationToken: sentToken,
            ...(sentToken === undefined && options.startAfter !== undefined
              ? { StartAfter: options.startAfter }
              : {}),
            ...(options.pageSize === undefined ? {} : { MaxKeys: options.pageSize }),
          }),
        );
      } catch (error) {
        throw translateS3Error(error, { operation: 'ListObjectsV2', bucket, notFound: 'bucket_not_found' });
      }
    });
    const contents = page.Contents ?? [];
    for (const entry of contents) {
      if (entry.Key === undefined) {
        continue;
      }
      yield {
        key: entry.Key,
        size: entry.Size ?? 0,
        etag: unquoteEtag(entry.ETag),
        lastModified: entry.LastModified ?? new Date(0),
      };
    }
    if (page.IsTruncated !== true) {
      return;
    }
    if (page.NextContinuationToken === undefined || page.NextContinuationToken === '') {
      throw listingBroken(bucket, 'a truncated page has no NextContinuationToken');
    }
    if (page.NextContinuationToken === sentToken) {
      throw listingBroken(bucket, 'the store returned the continuation token it was sent');
    }
    emptyPages = contents.length === 0 ? emptyPages + 1 : 0;
    if (emptyPages >= MAX_CONSECUTIVE_EMPTY_PAGES) {
      throw listingBroken(bucket, `${MAX_CONSECUTIVE_EMPTY_PAGES} truncated pages in a row were empty`);
    }
    token = page.NextContinuationToken;
  }
}

function listingBroken(bucket: string, reason: string): ObjectStorageError {
  return new ObjectStorageError(
    'invalid_response',
    `ListObjectsV2 on bucket "${bucket}" cannot continue: ${reason}. The store breaks S3 paging; report it to its operator.`,
  );
}
